"""Settings for the test suite: the production settings with SUSTAIN_TESTING switched on."""

import os

os.environ["SUSTAIN_TESTING"] = "1"

from sustain.settings import *  # noqa: F403
