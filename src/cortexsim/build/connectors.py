"""Connection rules, generated per target cell from keyed random streams.

Each connector answers one question: *which presynaptic cells connect to these target cells?*
``generate`` receives the targets (positions in the postsynaptic view) of one partition and returns
the edges ``(pre_position, post_position)`` grouped by target. Every random number comes from a
stream keyed by (seed, projection, target position, counter), so a target's incoming connections are
the same whichever rank or partition generates them, and a rank only generates the connections of
its own cells. Rules that fix a global total (``FixedTotalNumberConnector``) draw the per-target
counts from one global stream that every rank repeats (cost O(number of targets), not O(edges)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ModelError
from ..model import streams

_MATRIX_BUDGET = 4_000_000  # candidate draws held at once by the dense rules


@dataclass
class ConnectionContext:
    """What a connector needs to generate the incoming edges of some targets."""

    n_pre: int
    n_post: int
    targets: np.ndarray  # sorted positions in the post view
    self_position: np.ndarray  # per target: its position in the pre view, or -1
    seed: int
    projection: int
    label: str

    def key(self, purpose: str, rng_seed: int | None = None) -> np.uint64:
        parts = (self.seed, self.projection, streams.purpose_code(purpose))
        return streams.make_key(*(parts if rng_seed is None else parts + (rng_seed,)))


Edges = tuple[np.ndarray, np.ndarray]


def _empty() -> Edges:
    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)


def _chunks(targets: np.ndarray, per_target_cost: int) -> list[np.ndarray]:
    size = max(1, _MATRIX_BUDGET // max(1, per_target_cost))
    return [targets[i:i + size] for i in range(0, len(targets), size)]


class Connector:
    """Base class of cortexsim connectors (same constructor arguments as PyNN's)."""

    def __init__(self, allow_self_connections: bool = True, safe: bool = True, callback=None,
                 rng=None) -> None:
        if allow_self_connections == "NoMutual":
            raise NotImplementedError("allow_self_connections='NoMutual' is not supported by cortexsim")
        self.allow_self_connections = bool(allow_self_connections)
        self.rng_seed = getattr(rng, "seed", None) if rng is not None else None

    def generate(self, ctx: ConnectionContext) -> Edges:
        raise NotImplementedError

    def generate_with_columns(self, ctx: ConnectionContext) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Edges plus per-edge values the connector supplies itself (FromListConnector's columns)."""
        pre, post = self.generate(ctx)
        return pre, post, {}

    def describe(self) -> dict:
        return {"connector": type(self).__name__}

    def _key(self, ctx: ConnectionContext, purpose: str = "connect") -> np.uint64:
        return ctx.key(purpose, self.rng_seed)


class AllToAllConnector(Connector):
    """Every presynaptic cell connects to every target."""

    def generate(self, ctx: ConnectionContext) -> Edges:
        pre = np.tile(np.arange(ctx.n_pre, dtype=np.int64), len(ctx.targets))
        post = np.repeat(ctx.targets, ctx.n_pre)
        if not self.allow_self_connections:
            keep = pre != np.repeat(ctx.self_position, ctx.n_pre)
            pre, post = pre[keep], post[keep]
        return pre, post


class OneToOneConnector(Connector):
    """Pre cell i connects to post cell i."""

    def generate(self, ctx: ConnectionContext) -> Edges:
        if ctx.n_pre != ctx.n_post:
            raise ModelError(f"projection '{ctx.label}': OneToOneConnector needs equal sizes, "
                             f"got {ctx.n_pre} pre and {ctx.n_post} post cells")
        return ctx.targets.copy(), ctx.targets.copy()


class FixedProbabilityConnector(Connector):
    """Each (pre, post) pair is connected independently with probability ``p_connect``."""

    def __init__(self, p_connect: float, allow_self_connections: bool = True, safe: bool = True,
                 callback=None, rng=None) -> None:
        super().__init__(allow_self_connections, safe, callback, rng)
        if not 0.0 <= float(p_connect) <= 1.0:
            raise ModelError(f"FixedProbabilityConnector: p_connect = {p_connect} is not in [0, 1]")
        self.p_connect = float(p_connect)

    def describe(self) -> dict:
        return {"connector": "FixedProbabilityConnector", "p_connect": self.p_connect}

    def generate(self, ctx: ConnectionContext) -> Edges:
        p = self.p_connect
        if p == 0.0 or ctx.n_pre == 0:
            return _empty()
        pre, post = (self._dense(ctx, p) if p > 0.25 or ctx.n_pre <= 64 else self._skipping(ctx, p))
        if not self.allow_self_connections:
            self_pos = ctx.self_position[np.searchsorted(ctx.targets, post)]
            keep = pre != self_pos
            pre, post = pre[keep], post[keep]
        return pre, post

    def _dense(self, ctx: ConnectionContext, p: float) -> Edges:
        """Draw one uniform per candidate pair (cheap when p is large)."""
        key = self._key(ctx)
        pres, posts = [], []
        candidates = np.arange(ctx.n_pre, dtype=np.int64)
        for chunk in _chunks(ctx.targets, ctx.n_pre):
            u = streams.uniform(key, chunk[:, None], candidates[None, :])
            rows, cols = np.nonzero(u < p)
            pres.append(cols.astype(np.int64))
            posts.append(chunk[rows])
        return np.concatenate(pres), np.concatenate(posts)

    def _skipping(self, ctx: ConnectionContext, p: float) -> Edges:
        """Geometric gaps between connected candidates: cost O(edges), not O(pairs)."""
        key = self._key(ctx)
        mean = ctx.n_pre * p
        width = int(np.ceil(mean + 6.0 * np.sqrt(mean * (1.0 - p)) + 8))
        log_q = np.log1p(-p)
        pres, posts = [], []
        for chunk in _chunks(ctx.targets, width):
            position = np.full(len(chunk), -1, dtype=np.int64)
            counter = 0
            active = np.arange(len(chunk))
            found: list[tuple[np.ndarray, np.ndarray]] = []
            while len(active):
                draws = np.arange(counter, counter + width, dtype=np.int64)
                u = streams.open_uniform(key, chunk[active, None], draws[None, :])
                gaps = np.floor(np.log(u) / log_q).astype(np.int64) + 1
                pos = position[active, None] + np.cumsum(gaps, axis=1)
                inside = pos < ctx.n_pre
                rows, cols = np.nonzero(inside)
                found.append((chunk[active][rows], pos[rows, cols]))
                position[active] = pos[:, -1]
                active = active[inside[:, -1]]
                counter += width
            post = np.concatenate([f[0] for f in found])
            pre = np.concatenate([f[1] for f in found])
            order = np.lexsort((pre, post))
            pres.append(pre[order])
            posts.append(post[order])
        return np.concatenate(pres), np.concatenate(posts)


def _draw_sources(ctx: ConnectionContext, key: np.uint64, counts: np.ndarray, with_replacement: bool,
                  allow_self: bool) -> Edges:
    """Draw ``counts[t]`` presynaptic positions for each target t."""
    targets = ctx.targets
    if counts.sum() == 0:
        return _empty()
    excluded = (ctx.self_position >= 0) & (not allow_self)
    available = ctx.n_pre - excluded.astype(np.int64)
    short = counts > available if not with_replacement else (counts > 0) & (available == 0)
    if np.any(short):
        t = int(np.argmax(short))
        raise ModelError(f"projection '{ctx.label}': target {targets[t]} needs {counts[t]} distinct sources "
                         f"but only {available[t]} are available")
    if with_replacement:
        post = np.repeat(targets, counts)
        k = np.arange(len(post)) - np.repeat(np.cumsum(counts) - counts, counts)
        u = streams.uniform(key, post, k)
        avail = np.repeat(available, counts)
        pre = np.minimum(np.floor(u * avail).astype(np.int64), avail - 1)
        self_pos = np.repeat(np.where(excluded, ctx.self_position, ctx.n_pre), counts)
        pre = pre + (pre >= self_pos)
        return pre, post
    pres, posts = [], []
    candidates = np.arange(ctx.n_pre, dtype=np.int64)
    for rows in _chunks(np.arange(len(targets)), ctx.n_pre):
        chunk = targets[rows]
        u = streams.uniform(key, chunk[:, None], candidates[None, :])
        ex = excluded[rows]
        u[np.nonzero(ex)[0], ctx.self_position[rows][ex]] = 2.0
        order = np.argsort(u, axis=1, kind="stable")
        for i, n in zip(range(len(chunk)), counts[rows]):
            if n:
                pres.append(np.sort(order[i, :n]))
                posts.append(np.full(n, chunk[i], dtype=np.int64))
    return (np.concatenate(pres), np.concatenate(posts)) if pres else _empty()


class FixedNumberPreConnector(Connector):
    """Each target receives exactly ``n`` connections from random presynaptic cells."""

    def __init__(self, n: int, allow_self_connections: bool = True, with_replacement: bool = False,
                 safe: bool = True, callback=None, rng=None) -> None:
        super().__init__(allow_self_connections, safe, callback, rng)
        if not isinstance(n, (int, np.integer)):
            raise NotImplementedError("FixedNumberPreConnector: cortexsim needs an integer n "
                                      f"(got {type(n).__name__})")
        if n < 0:
            raise ModelError(f"FixedNumberPreConnector: n = {n} must be >= 0")
        self.n = int(n)
        self.with_replacement = bool(with_replacement)

    def describe(self) -> dict:
        return {"connector": "FixedNumberPreConnector", "n": self.n, "with_replacement": self.with_replacement}

    def generate(self, ctx: ConnectionContext) -> Edges:
        counts = np.full(len(ctx.targets), self.n, dtype=np.int64)
        return _draw_sources(ctx, self._key(ctx), counts, self.with_replacement, self.allow_self_connections)


class FixedTotalNumberConnector(Connector):
    """Exactly ``n`` connections in total, spread over random (pre, post) pairs."""

    def __init__(self, n: int, allow_self_connections: bool = True, with_replacement: bool = True,
                 safe: bool = True, callback=None, rng=None) -> None:
        super().__init__(allow_self_connections, safe, callback, rng)
        if int(n) < 0:
            raise ModelError(f"FixedTotalNumberConnector: n = {n} must be >= 0")
        self.n = int(n)
        self.with_replacement = bool(with_replacement)

    def describe(self) -> dict:
        return {"connector": "FixedTotalNumberConnector", "n": self.n, "with_replacement": self.with_replacement}

    def counts_per_target(self, ctx: ConnectionContext) -> np.ndarray:
        """In-degree of every post cell; all ranks draw the same vector from one global stream."""
        rng = streams.generator(ctx.seed, ctx.projection, streams.purpose_code("total"), self.rng_seed or 0)
        if self.with_replacement:
            return rng.multinomial(self.n, np.full(ctx.n_post, 1.0 / ctx.n_post)).astype(np.int64)
        per_target = ctx.n_pre - (0 if self.allow_self_connections else 1)
        if self.n > per_target * ctx.n_post:
            raise ModelError(f"projection '{ctx.label}': {self.n} distinct connections requested, "
                             f"only {per_target * ctx.n_post} pairs exist")
        return rng.multivariate_hypergeometric(np.full(ctx.n_post, per_target), self.n).astype(np.int64)

    def generate(self, ctx: ConnectionContext) -> Edges:
        if ctx.n_post == 0:
            return _empty()
        counts = self.counts_per_target(ctx)[ctx.targets]
        return _draw_sources(ctx, self._key(ctx), counts, self.with_replacement, self.allow_self_connections)


class FromListConnector(Connector):
    """Explicit connections ``(pre_index, post_index[, weight[, delay]])`` in view positions."""

    def __init__(self, conn_list, column_names: tuple[str, ...] | None = None, safe: bool = True,
                 callback=None) -> None:
        super().__init__(True, safe, callback)
        array = np.asarray(conn_list, dtype=np.float64)
        if array.size == 0:
            array = array.reshape(0, 2)
        if array.ndim != 2 or array.shape[1] < 2:
            raise ModelError(f"FromListConnector: expected rows (pre, post, ...), got shape {array.shape}")
        n_extra = array.shape[1] - 2
        if column_names is None:
            column_names = ("weight", "delay")[:n_extra] if n_extra <= 2 else None
        if column_names is None or len(column_names) != n_extra:
            raise ModelError(f"FromListConnector: {n_extra} extra columns need {n_extra} column_names, "
                             f"got {column_names}")
        unknown = set(column_names) - {"weight", "delay"}
        if unknown:
            raise NotImplementedError(f"FromListConnector: columns {sorted(unknown)} are not supported")
        self.pre = array[:, 0].astype(np.int64)
        self.post = array[:, 1].astype(np.int64)
        if np.any(self.pre != array[:, 0]) or np.any(self.post != array[:, 1]):
            raise ModelError("FromListConnector: pre and post indices must be integers")
        self.columns = {name: array[:, 2 + i] for i, name in enumerate(column_names)}

    def describe(self) -> dict:
        return {"connector": "FromListConnector", "n": int(len(self.pre))}

    def generate(self, ctx: ConnectionContext) -> Edges:
        pre, post, _ = self.generate_with_columns(ctx)
        return pre, post

    def generate_with_columns(self, ctx: ConnectionContext) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        bad = (self.pre < 0) | (self.pre >= ctx.n_pre) | (self.post < 0) | (self.post >= ctx.n_post)
        if np.any(bad):
            row = int(np.argmax(bad))
            raise ModelError(f"projection '{ctx.label}': FromListConnector row {row} = "
                             f"({self.pre[row]}, {self.post[row]}) is outside the populations "
                             f"({ctx.n_pre} pre, {ctx.n_post} post)")
        wanted = np.zeros(ctx.n_post, dtype=bool)
        wanted[ctx.targets] = True
        rows = np.nonzero(wanted[self.post])[0]
        rows = rows[np.argsort(self.post[rows], kind="stable")]
        return self.pre[rows], self.post[rows], {name: v[rows] for name, v in self.columns.items()}


class FixedNumberPostConnector(Connector):
    """Not generated per target; refused explicitly rather than approximated."""

    def __init__(self, *args, **kwargs) -> None:
        raise NotImplementedError("FixedNumberPostConnector is not supported by cortexsim yet "
                                  "(its out-degree rule cannot be generated per target); "
                                  "use FixedNumberPreConnector or FixedTotalNumberConnector")
