"""``python -m scs_workflow`` runs the command line."""

from .cli import main

main()
