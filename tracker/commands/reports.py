"""`tracker history` and `tracker changes`: how the scores moved (filled in below)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    return None
