# SPDX-License-Identifier: BSD-2-Clause
"""Event ids, levels and keywords as the schema compiler emits them.

The tables are docs/events-<provider>.md: elog-schemac --markdown writes
them from schemas/<provider>.src (make schemac-docs) and test-schemac fails
while one is stale, so they are the compiler's output without needing a
build. Nothing here repeats a number the schema already states."""

import os
import re

from .proc import REPO


LEVELS = {"NONE": 0, "ERROR": 1, "WARN": 2, "INFO": 3, "VERBOSE": 4, "TRACE": 5}

_KEYWORD = re.compile(r"^\| (\w+) \| (0x[0-9a-f]+) \|$")
_EVENT = re.compile(r"^\| (\d+) \| \[(\w+)\]\(#\w+\) \| (\w+) \| ([\w,]+) \| \w+ \|$")


class Schema:
    """One provider's events: ids[name], level[id], keywords[id] (a mask),
    keyword[name] (a mask), filters[id] = (level, keywords)."""

    def __init__(self, provider):
        self.provider = provider
        self.ids, self.level, self.keywords, self.keyword = {}, {}, {}, {}
        section = None
        with open(os.path.join(REPO, "docs", f"events-{provider}.md")) as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("## "):
                    section = line[3:]
                elif section == "Keywords" and _KEYWORD.match(line):
                    name, mask = _KEYWORD.match(line).groups()
                    self.keyword[name] = int(mask, 16)
                elif section == "Summary" and _EVENT.match(line):
                    eid, name, level, kws = _EVENT.match(line).groups()
                    eid = int(eid)
                    self.ids[name] = eid
                    self.level[eid] = LEVELS[level]
                    self.keywords[eid] = sum(self.keyword[k] for k in kws.split(","))
        if not self.ids or not self.keyword:
            raise AssertionError(f"docs/events-{provider}.md: no event or keyword table")
        self.filters = {i: (self.level[i], self.keywords[i]) for i in self.ids.values()}

    def __getattr__(self, name):
        try:
            return self.ids[name]
        except KeyError:
            raise AttributeError(f"provider {self.provider} has no event {name}") from None


_cache = {}


def schema(provider):
    """The Schema of a provider, read once."""
    if provider not in _cache:
        _cache[provider] = Schema(provider)
    return _cache[provider]


# Framework events: every provider's table has them, with the same ids.
_fw = schema("test")
SESSION_CREATE_ID = _fw.SESSION_CREATE
SESSION_END_ID = _fw.SESSION_END
DUMP_COMPLETE_ID = _fw.DUMP_COMPLETE
BLACKBOX_DUMP_ID = _fw.BLACKBOX_DUMP
SESSION_KEYWORD = _fw.keyword["SESSION"]


def schema_events(testgen):
    """{name: (id, level, keywords)} of the test schema's own events, as
    the running elog-testgen (the testgen fixture) reports them."""
    out = {}
    for line in testgen("events").stdout.splitlines():
        name, eid, level, kw = line.split()
        if int(eid) < 0xFFFFFFF0:
            out[name] = (int(eid), int(level), int(kw, 16))
    assert len(out) >= 4, out
    return out
