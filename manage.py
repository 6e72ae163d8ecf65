#!/usr/bin/env python
"""Django's manage.py, for developers used to it; ``leitplanke`` is the same command."""

from leitplanke.config.cli import main

if __name__ == "__main__":
    main()
