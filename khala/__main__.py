import sys

from khala.cli import main

sys.exit(main())
