"""Campaign files: parsing and matrix expansion.

A campaign file is line based ('#' starts a comment):

    campaign NAME
    repeats N            paired repeats per cell (default 3)
    warmup SECONDS       ramp time before measuring (default 1)
    runtime SECONDS      measured time per run (default 5)
    target NAME KIND [baseline=NAME] [key=value ...]
    fio key=v1,v2 ...    a fio matrix: rw, bs, iodepth, numjobs
    iperf3 key=v1,v2 ... an iperf3 matrix: proto, streams, direction, len, rate

Every fio matrix runs on every fio target, every iperf3 matrix on every
iperf3 target. A matrix line expands to the cross product of its lists.
Errors name the file, the line and the offending word.
"""

import itertools
import re
from dataclasses import dataclass, field

FIO_KEYS = {
    "rw": ("randread", "randwrite", "read", "write", "randrw", "readwrite",
           "randtrim", "trim"),
    "bs": None,
    "iodepth": None,
    "numjobs": None,
}
IPERF3_KEYS = {
    "proto": ("tcp", "udp"),
    "streams": None,
    "direction": ("up", "down"),
    "len": None,
    "rate": None,
}
FIO_DEFAULTS = {"rw": "randread", "bs": "4k", "iodepth": "1", "numjobs": "1"}
IPERF3_DEFAULTS = {"proto": "tcp", "streams": "1", "direction": "up",
                   "len": "128K", "rate": "0"}
UDP_DEFAULT_LEN = "1400"
UDP_MAX_LEN = 65507
SIZE_RE = re.compile(r"^[0-9]+[kKmMgG]?$")
INT_KEYS = {"iodepth", "numjobs", "streams"}
SIZE_KEYS = {"bs", "len", "rate"}


class SpecError(Exception):
    """A campaign file that cannot be run, with file:line: reason."""


@dataclass
class Target:
    name: str
    kind: str
    baseline: str | None
    options: dict
    line: int


@dataclass
class Cell:
    tool: str  # "fio" or "iperf3"
    params: dict

    @property
    def key(self):
        return self.tool + ":" + ",".join(
            f"{k}={v}" for k, v in sorted(self.params.items()))

    @property
    def slug(self):
        return re.sub(r"[^A-Za-z0-9=.-]+", "_", self.key)


@dataclass
class Campaign:
    name: str = "campaign"
    repeats: int = 3
    warmup: int = 1
    runtime: int = 5
    targets: list = field(default_factory=list)
    cells: list = field(default_factory=list)
    text: str = ""

    def target(self, name):
        return next(t for t in self.targets if t.name == name)

    def targets_for(self, tool):
        return [t for t in self.targets if tool_of(t.kind) == tool]


def tool_of(kind):
    return kind.split("-", 1)[0]


def _check_value(path, lineno, tool, key, value):
    allowed = (FIO_KEYS if tool == "fio" else IPERF3_KEYS)[key]
    if allowed and value not in allowed:
        raise SpecError(f"{path}:{lineno}: {tool} {key}={value}: "
                        f"expected one of {', '.join(allowed)}")
    if key in INT_KEYS and not (value.isdigit() and int(value) > 0):
        raise SpecError(f"{path}:{lineno}: {tool} {key}={value}: "
                        "expected a positive integer")
    if key in SIZE_KEYS and not SIZE_RE.match(value):
        raise SpecError(f"{path}:{lineno}: {tool} {key}={value}: "
                        "expected a size such as 4k or 128K")


def _matrix(path, lineno, tool, words):
    keys = FIO_KEYS if tool == "fio" else IPERF3_KEYS
    lists = dict((k, [v]) for k, v in
                 (FIO_DEFAULTS if tool == "fio" else IPERF3_DEFAULTS).items())
    for w in words:
        key, sep, values = w.partition("=")
        if not sep or not values:
            raise SpecError(f"{path}:{lineno}: '{w}': expected key=value")
        if key not in keys:
            raise SpecError(f"{path}:{lineno}: unknown {tool} key '{key}' "
                            f"(known: {', '.join(keys)})")
        vals = values.split(",")
        for v in vals:
            _check_value(path, lineno, tool, key, v)
        lists[key] = vals
    names = sorted(lists)
    cells = [Cell(tool, dict(zip(names, combo)))
             for combo in itertools.product(*(lists[n] for n in names))]
    for cell in cells:
        p = cell.params
        if tool != "iperf3" or p["proto"] != "udp":
            continue
        # A datagram carries at most 65507 bytes: UDP cells default to
        # one that fits a 1500-byte MTU, and refuse more than the limit.
        if not any(w.startswith("len=") for w in words):
            p["len"] = UDP_DEFAULT_LEN
        elif _bytes(p["len"]) > UDP_MAX_LEN:
            raise SpecError(f"{path}:{lineno}: iperf3 proto=udp "
                            f"len={p['len']}: a UDP datagram holds at most "
                            f"{UDP_MAX_LEN} bytes")
    return cells


def _bytes(size):
    """'128K' -> 131072 (sizes are already checked against SIZE_RE)."""
    mult = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}.get(size[-1].lower())
    return int(size[:-1]) * mult if mult else int(size)


def _int_setting(path, lineno, word, value, minimum):
    if not value.isdigit() or int(value) < minimum:
        raise SpecError(f"{path}:{lineno}: {word} '{value}': expected an "
                        f"integer >= {minimum}")
    return int(value)


def parse(text, path="<campaign>", kinds=None):
    """Parse a campaign; kinds, if given, is the set of known target kinds."""
    c = Campaign(text=text)
    seen_cells = set()
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        word, *rest = line.split()
        if word == "campaign":
            if len(rest) != 1 or not re.match(r"^[A-Za-z0-9_.-]+$", rest[0]):
                raise SpecError(f"{path}:{lineno}: campaign takes one name "
                                "of letters, digits, '.', '_' or '-'")
            c.name = rest[0]
        elif word in ("repeats", "warmup", "runtime"):
            if len(rest) != 1:
                raise SpecError(f"{path}:{lineno}: {word} takes one number")
            minimum = {"repeats": 1, "warmup": 0, "runtime": 1}[word]
            setattr(c, word, _int_setting(path, lineno, word, rest[0],
                                          minimum))
        elif word == "target":
            if len(rest) < 2:
                raise SpecError(f"{path}:{lineno}: target needs NAME KIND")
            name, kind, *opts = rest
            if any(t.name == name for t in c.targets):
                raise SpecError(f"{path}:{lineno}: target '{name}' defined "
                                "twice")
            if kinds is not None and kind not in kinds:
                raise SpecError(f"{path}:{lineno}: unknown target kind "
                                f"'{kind}' (known: {', '.join(sorted(kinds))})")
            options = {}
            for o in opts:
                k, sep, v = o.partition("=")
                if not sep:
                    raise SpecError(f"{path}:{lineno}: '{o}': expected "
                                    "key=value")
                options[k] = v
            baseline = options.pop("baseline", None)
            c.targets.append(Target(name, kind, baseline, options, lineno))
        elif word in ("fio", "iperf3"):
            for cell in _matrix(path, lineno, word, rest):
                if cell.key not in seen_cells:
                    seen_cells.add(cell.key)
                    c.cells.append(cell)
        else:
            raise SpecError(f"{path}:{lineno}: unknown directive '{word}'")

    for t in c.targets:
        if t.baseline is None:
            continue
        base = next((b for b in c.targets if b.name == t.baseline), None)
        if base is None:
            raise SpecError(f"{path}:{t.line}: target '{t.name}': baseline "
                            f"'{t.baseline}' is not a target")
        if tool_of(base.kind) != tool_of(t.kind):
            raise SpecError(f"{path}:{t.line}: target '{t.name}' ({t.kind}) "
                            f"cannot be compared with '{base.name}' "
                            f"({base.kind})")
        if base.baseline is not None:
            raise SpecError(f"{path}:{t.line}: baseline '{base.name}' has a "
                            "baseline itself")
    if not c.targets:
        raise SpecError(f"{path}: no target")
    if not c.cells:
        raise SpecError(f"{path}: no fio or iperf3 matrix")
    for cell in c.cells:
        if not c.targets_for(cell.tool):
            raise SpecError(f"{path}: {cell.tool} matrix but no "
                            f"{cell.tool} target")
    return c


def parse_file(path, kinds=None):
    with open(path) as f:
        return parse(f.read(), path, kinds)
