"""`rasa` with Python's and NumPy's global random state seeded first, for figures that repeat.

Rasa 3.6.21's NLU cross-validation shuffles its folds with an unseeded `StratifiedKFold(shuffle=True)`
(rasa/nlu/test.py, `generate_folds`), which draws from NumPy's global state: the same data and config gave
0.883 and 0.861 accuracy on two runs of `make eval`. DIET itself is seeded in config.yml. Usage: as `rasa`,
e.g. `python scripts/rasa_seeded.py test nlu --cross-validation --folds 3`; RASA_SEED changes the seed.
"""

import os
import random
import sys

import numpy as np

seed = int(os.environ.get("RASA_SEED", "7"))
random.seed(seed)
np.random.seed(seed)

from rasa.__main__ import main  # noqa: E402  (after seeding, so nothing draws first)

if __name__ == "__main__":
    sys.argv[0] = "rasa"
    sys.exit(main())
