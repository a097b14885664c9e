"""``python -m zstack_contract.cli``: the same as the ``zstack-contract`` command."""

import sys

from . import main

sys.exit(main())
