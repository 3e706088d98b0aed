"""``wandb.config`` and ``wandb.summary``: dict-likes whose every change becomes an event."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fertui import report
from fertui.records import EventKind
from fertui.wandb._values import as_mapping, flatten, json_safe, to_number


class Config:
    """Hyperparameters: ``config.lr``, ``config["lr"]``, ``config.update(...)``; changes -> params events."""

    def __init__(self) -> None:
        object.__setattr__(self, "_items", {})

    def update(self, values: Any, allow_val_change: bool | None = None) -> None:
        self._set(as_mapping(values))

    def setdefaults(self, values: Any) -> None:
        self._set({k: v for k, v in as_mapping(values).items() if k not in self._items})

    def _set(self, values: dict[str, Any]) -> None:
        # W&B refuses a changed value without allow_val_change; a training script is better off running.
        changed = {
            str(k): v for k, v in values.items() if str(k) not in self._items or _differs(self._items[str(k)], v)
        }
        if not changed:
            return
        self._items.update(changed)
        report.event(EventKind.PARAMS, values={key: json_safe(v) for key, v in flatten(changed, ".")})

    def as_dict(self) -> dict[str, Any]:
        return dict(self._items)

    def get(self, key: str, default: Any = None) -> Any:
        return self._items.get(key, default)

    def keys(self):
        return self._items.keys()

    def items(self):
        return self._items.items()

    def values(self):
        return self._items.values()

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._set({key: value})

    def __delitem__(self, key: str) -> None:
        del self._items[key]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # copy and pickle probe these before __init__ ran
            raise AttributeError(name)
        try:
            return self._items[name]
        except KeyError:
            raise AttributeError(f"wandb.config has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._set({name: value})

    def __delattr__(self, name: str) -> None:
        self._items.pop(name, None)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return repr(self._items)


class Summary:
    """Headline values: ``summary["best/acc"] = 0.9``; reads fall back to the last logged values."""

    def __init__(self) -> None:
        self._explicit: dict[str, Any] = {}
        self._last: dict[str, Any] = {}  # kept by the run as it logs, never written as summary

    def update(self, values: Any = None, **more: Any) -> None:
        mapping = {**as_mapping(values), **more}
        flat = {key: _summary_value(v) for key, v in flatten(mapping, "/")}
        if flat:
            self._explicit.update(flat)
            report.summary(**flat)

    def remember(self, values: dict[str, Any]) -> None:
        """Values the run logged: what a read of their key returns until the script sets it."""
        self._last.update(values)

    def explicit(self) -> dict[str, Any]:
        return dict(self._explicit)

    def _merged(self) -> dict[str, Any]:
        return {**self._last, **self._explicit}

    def get(self, key: str, default: Any = None) -> Any:
        return self._merged().get(key, default)

    def keys(self):
        return self._merged().keys()

    def items(self):
        return self._merged().items()

    def values(self):
        return self._merged().values()

    def __getitem__(self, key: str) -> Any:
        return self._merged()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __delitem__(self, key: str) -> None:
        self._explicit.pop(key, None)
        self._last.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return key in self._explicit or key in self._last

    def __iter__(self) -> Iterator[str]:
        return iter(self._merged())

    def __len__(self) -> int:
        return len(self._merged())

    def __repr__(self) -> str:
        return repr(self._merged())


def _differs(old: Any, new: Any) -> bool:
    try:
        return bool(old != new)
    except Exception:  # arrays and tensors compare element-wise
        return True


def _summary_value(value: Any) -> Any:
    number = to_number(value)
    return number if number is not None else json_safe(value)
