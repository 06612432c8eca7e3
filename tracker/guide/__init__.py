"""The guides that ship with tracker, as package data: a pip user has no `docs/` folder, so
what a team needs to start (how to encode a paper, how to weigh evidence, how to publish)
travels with the program. `tracker guide` prints them; `tracker init` points to it."""

from __future__ import annotations

from pathlib import Path

GUIDES = {"encoding": "encoding.md"}


def path(name: str = "encoding") -> Path:
    return Path(__file__).with_name(GUIDES[name])


def text(name: str = "encoding") -> str:
    return path(name).read_text("utf-8")
