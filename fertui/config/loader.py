"""Read experiment configs: TOML files, ``base`` inheritance, ``--set`` overrides, validation."""

from __future__ import annotations

import copy
import datetime
import difflib
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fertui.config.schema import FREE_SECTIONS, SCHEMA, TOP_LEVEL, Field, defaults, field_for
from fertui.errors import ConfigError

ROLE_CHOICES = ("scientific", "nuisance", "fixed")
MAX_INT = 10**18
# A resolver for ``base = "best-of:SWEEP"``: returns the flat config of that sweep's best run.
BaseResolver = Callable[[str], dict[str, Any]]


@dataclass
class RunConfig:
    """One resolved experiment: every section filled with defaults, already validated."""

    source: str
    data: dict[str, dict[str, Any]]
    sweep: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    given: frozenset[str] = frozenset()  # the dotted keys the files and --set named

    def flat(self) -> dict[str, Any]:
        out = {f"{s}.{k}": v for s, keys in self.data.items() for k, v in keys.items()}
        out.update({f"params.{k}": v for k, v in flatten_free(self.params).items()})
        return out

    def get(self, dotted: str) -> Any:
        return self.flat()[dotted]

    def to_toml_dict(self) -> dict[str, Any]:
        """The resolved config to record. A command job keeps only the sections that apply to it
        (run, job, params) and the keys it named: not the trainer's defaults, which it never used."""
        out: dict[str, Any] = copy.deepcopy(self.data)
        if self.data["job"]["kind"] == "command":
            out = {
                s: ({k: v for k, v in keys.items() if f"{s}.{k}" in self.given} if s not in ("run", "job") else keys)
                for s, keys in out.items()
            }
            out = {s: keys for s, keys in out.items() if keys}
        if self.params:
            out["params"] = copy.deepcopy(self.params)
        if self.sweep:
            out["sweep"] = copy.deepcopy(self.sweep)
        return out


def flatten_free(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in tree.items():
        if isinstance(v, dict):
            out.update(flatten_free(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


MAX_CONFIG_BYTES = 1 << 20  # a config is a page of keys; a bigger file is data in the wrong place
MAX_NESTING = 32  # tables and arrays within each other; deeper is no config anyone wrote
MAX_BASE_CHAIN = 32  # `base` files, one over the other


def read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(str(path), None, "file not found")
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(
                str(path),
                None,
                f"{size / 1e6:.1f} MB, over the {MAX_CONFIG_BYTES >> 20} MB a config "
                "may have; keep data in files the job reads, not in the config",
            )
        tree = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), None, f"not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(str(path), None, f"nested more than {MAX_NESTING} levels deep") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), None, f"cannot read: {exc}") from None
    key = too_deep(tree, MAX_NESTING)
    if key is not None:
        raise ConfigError(str(path), key or None, f"nested more than {MAX_NESTING} levels deep")
    return tree


def too_deep(value: Any, levels: int, key: str = "") -> str | None:
    """The dotted key under which VALUE nests tables or arrays more than LEVELS deep, or None."""
    if levels < 0:
        return key
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, child in children:
        found = too_deep(child, levels - 1, f"{key}.{k}" if key else str(k))
        if found is not None:
            return found
    return None


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and k not in ("axes", "roles"):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _unflatten_into(target: dict[str, Any], flat: dict[str, Any]) -> None:
    for dotted, value in flat.items():
        section, _, key = dotted.partition(".")
        if section in SCHEMA and section != "sweep":
            target.setdefault(section, {})[key] = value


def load_layers(path: Path, resolver: BaseResolver | None, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The raw merged tree of PATH and its ``base`` chain (child wins)."""
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(p.name for p in (*seen, path))
        raise ConfigError(str(path), "base", f"inheritance cycle: {chain}")
    if len(seen) >= MAX_BASE_CHAIN:
        raise ConfigError(str(seen[0]), "base", f"the base chain is over {MAX_BASE_CHAIN} files long")
    tree = read_toml(path)
    base = tree.pop("base", None)
    if base is None:
        return tree
    if not isinstance(base, str):
        raise ConfigError(str(path), "base", f"expected a file name string, got {type(base).__name__}")
    if base.startswith("best-of:"):
        if resolver is None:
            raise ConfigError(str(path), "base", "best-of: needs a workspace with sweeps")
        parent: dict[str, Any] = {}
        try:
            _unflatten_into(parent, resolver(base.removeprefix("best-of:")))
        except ConfigError:
            raise
        except Exception as exc:  # the resolver reports a user-facing reason
            raise ConfigError(str(path), "base", str(exc)) from None
        return deep_merge(parent, tree)
    base_path = path.parent / base
    if not base_path.is_file():
        raise ConfigError(str(path), "base", f"base file not found: {base_path}")
    return deep_merge(load_layers(base_path, resolver, (*seen, path)), tree)


def check_value(source: str, dotted: str, spec: Field, value: Any) -> Any:
    """VALUE converted to SPEC's type, or a ConfigError saying what was expected."""

    def fail(expected: str) -> ConfigError:
        return ConfigError(source, dotted, f"expected {expected}, got {value!r}")

    kind = spec.type
    if kind == "int|auto" and value == "auto":
        return value
    if kind in ("int", "int|auto"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail('"auto" or an integer' if kind == "int|auto" else "an integer")
        if not -MAX_INT <= value < MAX_INT:  # TOML and Python take any size; no run needs this one
            raise fail("an integer of at most 18 digits")
    elif kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail("a number")
        value = float(value)
        if not math.isfinite(value):
            raise fail("a finite number")
    elif kind == "bool":
        if not isinstance(value, bool):
            raise fail("true or false")
    elif kind == "str":
        if not isinstance(value, str):
            raise fail("a string")
    elif kind == "table":
        if not isinstance(value, dict):
            raise fail("a table")
    elif kind == "scalars":
        from fertui.capture.scalars import check_spec

        problem = check_spec(value)
        if problem:
            index, sep, rest = problem.partition("]: ")
            if problem.startswith("[") and sep:  # name the list item: job.output_scalars[1]
                raise ConfigError(source, f"{dotted}{index}]", rest)
            raise ConfigError(source, dotted, problem)
    elif kind.startswith("list["):
        item = kind[5:-1]
        if not isinstance(value, list):
            raise fail(f"a list of {item}s")
        value = [check_value(source, f"{dotted}[{i}]", Field(item, None), v) for i, v in enumerate(value)]
    if spec.check is not None and not kind.startswith("list"):
        expected = spec.check(value)
        if expected:
            raise fail(expected)
    return value


def validate_tree(source: str, tree: dict[str, Any]) -> RunConfig:
    data = defaults()
    params: dict[str, Any] = {}
    sweep: dict[str, Any] | None = None
    given = {f"{s}.{k}" for s, keys in tree.items() if isinstance(keys, dict) for k in keys}
    known_sections = sorted([*SCHEMA, *FREE_SECTIONS, *TOP_LEVEL])
    for section, values in tree.items():
        if section in TOP_LEVEL:
            continue
        if section not in SCHEMA and section not in FREE_SECTIONS:
            raise ConfigError(
                source,
                section,
                f"unknown section{suggest(section, known_sections)}; expected one of {', '.join(known_sections)}",
            )
        if not isinstance(values, dict):
            raise ConfigError(source, section, f"expected a [{section}] table, got {values!r}")
        if section in FREE_SECTIONS:
            _check_free(source, section, values)
            params = deep_merge(params, values)
            continue
        target = sweep if section == "sweep" else data[section]
        if section == "sweep":
            sweep = target = {k: copy.deepcopy(f.default) for k, f in SCHEMA["sweep"].items()}
        for key, value in values.items():
            spec = SCHEMA[section].get(key)
            if spec is None:
                raise ConfigError(
                    source,
                    f"{section}.{key}",
                    f"unknown key{suggest(key, list(SCHEMA[section]))}; expected one of {', '.join(SCHEMA[section])}",
                )
            target[key] = check_value(source, f"{section}.{key}", spec, value)
    if data["job"]["command"] and data["job"]["kind"] == "train" and "kind" not in tree.get("job", {}):
        data["job"]["kind"] = "command"
    if data["job"]["kind"] == "command" and not data["job"]["command"]:
        raise ConfigError(source, "job.command", "expected a non-empty command list for kind = 'command'")
    for k, v in data["job"]["env"].items():
        if not isinstance(v, (str, int, float)) or isinstance(v, bool):
            raise ConfigError(source, f"job.env.{k}", f"expected a string, got {v!r}")
    for k, v in data["job"]["metrics_map"].items():
        if not isinstance(v, str) or not v:
            raise ConfigError(source, f"job.metrics_map.{k}", f"expected a metric name string, got {v!r}")
    for k, v in data["job"]["metrics_direction"].items():
        if v not in ("maximize", "minimize"):
            raise ConfigError(source, f"job.metrics_direction.{k}", f'expected "maximize" or "minimize", got {v!r}')
    if sweep is not None:
        _validate_sweep(source, sweep, params)
    return RunConfig(source=source, data=data, sweep=sweep, params=params, given=frozenset(given))


def _check_free(source: str, prefix: str, values: dict[str, Any]) -> None:
    """[params] takes numbers, strings, booleans, lists and tables: what a command line can carry."""
    for key, value in values.items():
        where = f"{prefix}.{key}"
        if isinstance(value, dict):
            _check_free(source, where, value)
        elif isinstance(value, (datetime.date, datetime.time)):  # datetime is a date
            raise ConfigError(
                source,
                where,
                f"expected a number, string, boolean or list, got the TOML date/time "
                f'{value}; write it as a string ("{value}")',
            )
        elif isinstance(value, (int, float)) and not isinstance(value, bool):  # the schema's own checks
            check_value(source, where, Field("float" if isinstance(value, float) else "int", None), value)


def _validate_sweep(source: str, sweep: dict[str, Any], params: dict[str, Any]) -> None:
    for key, axis in sweep["axes"].items():
        where = f"sweep.axes.{key}"
        if field_for(key) is None and not key.startswith("params."):
            known = [f"{s}.{k}" for s, ks in SCHEMA.items() if s != "sweep" for k in ks]
            raise ConfigError(source, where, f"unknown key{suggest(key, known)}; expected a dotted config key")
        if isinstance(axis, list):
            if not axis:
                raise ConfigError(source, where, "expected a non-empty list of values")
            spec = field_for(key)
            if spec is not None:
                for i, v in enumerate(axis):
                    check_value(source, f"{where}[{i}]", spec, v)
        elif not isinstance(axis, str):
            raise ConfigError(source, where, f'expected a list or "range(...)"/"logspace(...)", got {axis!r}')
    for key, role in sweep["roles"].items():
        if key not in sweep["axes"]:
            raise ConfigError(source, f"sweep.roles.{key}", "names no axis of this sweep")
        if role not in ROLE_CHOICES:
            raise ConfigError(source, f"sweep.roles.{key}", f"expected one of {', '.join(ROLE_CHOICES)}, got {role!r}")


def parse_set(text: str) -> tuple[str, Any]:
    """``key=value`` from ``--set``, the value typed by the schema (or as TOML where free-form)."""
    source = "--set"
    if "=" not in text:
        raise ConfigError(source, text, "expected KEY=VALUE, e.g. optim.lr=4e-4")
    dotted, raw = (part.strip() for part in text.split("=", 1))
    section, _, key = dotted.partition(".")
    if not key:
        raise ConfigError(source, dotted, "expected a dotted key such as optim.lr")
    if section in FREE_SECTIONS or dotted.startswith(("sweep.axes.", "sweep.roles.")):
        return dotted, _parse_toml_value(raw)
    if section not in SCHEMA:
        known = sorted([*SCHEMA, *FREE_SECTIONS])
        raise ConfigError(source, dotted, f"unknown section '{section}'{suggest(section, known)}")
    spec = SCHEMA[section].get(key)
    if spec is None:
        raise ConfigError(source, dotted, f"unknown key{suggest(key, list(SCHEMA[section]))}")
    return dotted, check_value(source, dotted, spec, _coerce(source, dotted, spec, raw))


def _parse_toml_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _coerce(source: str, dotted: str, spec: Field, raw: str) -> Any:
    kind = spec.type
    try:
        if kind == "int|auto" and raw.strip().strip("'\"") == "auto":
            return "auto"
        if kind in ("int", "int|auto"):
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            low = raw.lower()
            if low in ("true", "1", "yes", "on"):
                return True
            if low in ("false", "0", "no", "off"):
                return False
            raise ValueError
        if kind == "str":
            return raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"" else raw
        if kind.startswith("list["):
            value = _parse_toml_value(raw if raw.startswith("[") else f"[{raw}]")
            if isinstance(value, str):  # bare words, e.g. tags=a,b
                value = [w.strip() for w in raw.split(",") if w.strip()]
            return value
        return _parse_toml_value(raw)
    except ValueError:
        expected = {
            "int": "an integer",
            "int|auto": '"auto" or an integer',
            "float": "a number",
            "bool": "true or false",
        }[kind]
        raise ConfigError(source, dotted, f"expected {expected}, got {raw!r}") from None


def apply_sets(tree: dict[str, Any], sets: list[str]) -> dict[str, Any]:
    tree = copy.deepcopy(tree)
    for text in sets:
        dotted, value = parse_set(text)
        section, _, key = dotted.partition(".")
        if dotted.startswith(("sweep.axes.", "sweep.roles.")):
            sub, axis_key = key.split(".", 1)
            tree.setdefault("sweep", {}).setdefault(sub, {})[axis_key] = value
        elif section in FREE_SECTIONS:
            node = tree.setdefault(section, {})
            *parents, leaf = key.split(".")
            for depth, p in enumerate(parents):
                node = node.setdefault(p, {})
                if not isinstance(node, dict):  # --set params.a=2 --set params.a.b=1
                    taken = ".".join([section, *parents[: depth + 1]])
                    raise ConfigError("--set", dotted, f"{taken} is already a value ({node!r}), not a table")
            if isinstance(node.get(leaf), dict) and not isinstance(value, dict):
                raise ConfigError("--set", dotted, f"{dotted} is already a table, not a value")
            node[leaf] = value
        else:
            tree.setdefault(section, {})[key] = value
        _pin_swept_axis(tree, dotted, value)
    return tree


def _pin_swept_axis(tree: dict[str, Any], dotted: str, value: Any) -> None:
    # A --set of a swept key would be overwritten by every cell; like a Hydra override of a
    # sweep, it replaces the axis's values instead: the sweep runs only that slice.
    axes = tree.get("sweep", {}).get("axes") if isinstance(tree.get("sweep"), dict) else None
    if isinstance(axes, dict) and dotted in axes:
        axes[dotted] = [copy.deepcopy(value)]


def load_config(path: str | Path, sets: list[str] = (), resolver: BaseResolver | None = None) -> RunConfig:
    """PATH merged over its bases, with ``--set`` overrides applied last, validated."""
    path = Path(path)
    tree = apply_sets(load_layers(path, resolver), list(sets))
    return validate_tree(str(path), tree)


def config_from_command(command: list[str], sets: list[str] = ()) -> RunConfig:
    """A command job given after ``--`` on the command line, with no config file."""
    tree = apply_sets(
        {
            "job": {"kind": "command", "command": list(command)},
            "run": {"name": Path(command[0]).name if command else "command"},
        },
        list(sets),
    )
    return validate_tree("<command>", tree)
