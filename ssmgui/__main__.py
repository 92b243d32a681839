"""`python -m ssmgui` runs the command line (the GUI arrives behind it later)."""

from ssmgui.cli import main

raise SystemExit(main())
