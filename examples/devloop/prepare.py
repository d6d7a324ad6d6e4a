"""Write a small iris-like data set (slowly, as a real preparation step would)."""

import random
import sys
import time

time.sleep(3)
rng = random.Random(42)
with open(sys.argv[1], "w") as out:
    out.write("x,y,label\n")
    for _ in range(150):
        label = rng.randrange(3)
        out.write(f"{label + rng.random():.3f},{2 * label + rng.random():.3f},{label}\n")
print("prepared 150 rows")
