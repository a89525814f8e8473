import sys

from juesuan.cli import main

sys.exit(main())
