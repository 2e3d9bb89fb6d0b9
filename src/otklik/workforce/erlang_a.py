"""Erlang A (Palm's M/M/n+M queue): Erlang C's chat queue where a waiting customer gives
up after an exponential patience of mean ``patience`` seconds (Garnett, Mandelbaum and
Reiman, "Designing a call center with impatient customers", 2002).

Computed exactly from the stationary law of the birth-death chain, not from the diffusion
approximations: with ``k`` chats in the system, arrivals come at ``λ`` and leave at
``min(k, n)·μ + max(k − n, 0)·θ`` (``μ = 1/aht``, ``θ = 1/patience``). Abandonment keeps the
chain stable at any load, so any ``n`` has an answer.

The service level counts a chat as in time when it is *answered* within the target (an
abandoned chat is a miss, as the simulation counts it). A chat arriving to find ``j``
waiting ahead of it reaches a slot after a sum of exponential phases of rates
``nμ + jθ, …, nμ + 0·θ`` (``V``), unless its own patience ``τ ~ Exp(θ)`` runs out first:

* tilting each phase by ``e^{−θx}`` shows that it is answered with probability
  ``nμ / (nμ + (j+1)θ)`` (the product of the phases' ratios telescopes), and
* answered within ``t`` with that probability times ``P(Ṽ ≤ t)``, ``Ṽ`` the sum of phases
  of rates ``θ·(b + 1), …, θ·(b + j + 1)`` with ``b = nμ/θ``: the time of the ``(j+1)``-th
  death among ``b + j + 1`` lives of rate ``θ``, whose law is the regularised incomplete
  beta function ``I_{1 − e^{−θt}}(j + 1, b + 1)`` (exact for a real ``b`` too).

The probability of abandonment is ``θ · E[queue] / λ`` (every waiting chat leaves at rate θ);
the mean wait of all chats is ``E[queue] / λ`` (Little). As ``patience → ∞`` all of it tends
to Erlang C (``tests/test_workforce_erlang_a.py`` checks both).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import betainc, gammaln, logsumexp

from otklik.workforce.erlang import MAX_SLOTS

#: The queue's states are summed in blocks of this many until their weight is negligible.
_BLOCK = 4096
#: More queued states than this: the patience is too long for Erlang A to matter (use C).
_MAX_QUEUE_STATES = 1_000_000
#: A state whose log-weight is this far below the largest one adds nothing to a double.
_NEGLIGIBLE = 60.0


class PatienceTooLong(ValueError):
    """So patient that the queue has millions of likely states: Erlang C is the answer."""


@dataclass(frozen=True, slots=True)
class Metrics:
    """One slot count's figures (probabilities of all chats offered)."""

    slots: int
    service_level: float
    abandonment: float
    wait_probability: float
    average_wait: float
    #: Load actually carried (answered chats only) ÷ slots.
    occupancy: float


def metrics(slots: int, load: float, aht: float, patience: float, target: float) -> Metrics:
    """Erlang A's figures for ``slots`` servers, ``load`` Erlangs offered, handle time and
    patience in seconds, and a target answer time in seconds."""
    if load <= 0:
        return Metrics(slots, 1.0, 0.0, 0.0, 0.0, 0.0)
    if slots < 1:
        return Metrics(slots, 0.0, 1.0, 1.0, patience, 0.0)
    mu, theta = 1.0 / aht, 1.0 / patience
    lam = load * mu
    # log weights of k = 0..n (Poisson-like: A^k / k!), relative to state 0
    k = np.arange(slots + 1, dtype=float)
    log_low = k * math.log(load) - gammaln(k + 1)
    log_n = float(log_low[-1])
    # log weights of n + j + 1 for j = 0, 1, …: π_n · Π_{i=1..j+1} λ / (nμ + iθ)
    blocks: list[np.ndarray] = []
    level = log_n
    start = 1
    peak = max(float(log_low.max()), log_n)
    # past this many queued chats the weights only fall (the departure rate exceeds λ)
    turning = max(0.0, (lam - slots * mu) / theta)
    while True:
        i = np.arange(start, start + _BLOCK, dtype=float)
        steps = math.log(lam) - np.log(slots * mu + i * theta)
        logs = level + np.cumsum(steps)
        blocks.append(logs)
        level = float(logs[-1])
        peak = max(peak, float(logs.max()))
        start += _BLOCK
        if start > turning and level < peak - _NEGLIGIBLE:
            break
        if start > _MAX_QUEUE_STATES:
            raise PatienceTooLong("the patience is too long for Erlang A: use Erlang C")
    log_queue = np.concatenate(blocks)  # states n+1, n+2, …: j + 1 = 1, 2, … waiting
    total = float(logsumexp(np.concatenate([log_low, log_queue])))
    p_low = np.exp(log_low - total)  # k = 0..n
    p_queue = np.exp(log_queue - total)
    # an arrival to state n + j (j = 0, 1, …) waits with j ahead of it: weights p_n, p_{n+1}…
    p_wait_states = np.concatenate([p_low[-1:], p_queue[:-1]])
    ahead = np.arange(p_wait_states.size, dtype=float)  # j
    answered = slots * mu / (slots * mu + (ahead + 1) * theta)
    reach = 1.0 - math.exp(-theta * target)
    in_time = answered * betainc(ahead + 1, slots * mu / theta + 1, reach)
    queued = float(np.dot(np.arange(1, p_queue.size + 1, dtype=float), p_queue))
    immediate = float(p_low[:-1].sum())
    abandonment = theta * queued / lam
    return Metrics(
        slots=slots,
        service_level=min(1.0, immediate + float(np.sum(p_wait_states * in_time))),
        abandonment=abandonment,
        wait_probability=float(p_wait_states.sum()),
        average_wait=queued / lam,
        occupancy=load * (1 - abandonment) / slots,
    )


def required_slots(
    *,
    load: float,
    aht: float,
    patience: float,
    target_level: float,
    target_seconds: float,
    max_occupancy: float = 1.0,
) -> Metrics:
    """The fewest slots whose service level reaches ``target_level`` and whose occupancy
    (of the load actually answered) stays within ``max_occupancy``."""
    if load <= 0:
        return metrics(0, load, aht, patience, target_seconds)

    def enough(figures: Metrics) -> bool:
        return figures.service_level >= target_level and figures.occupancy <= max_occupancy

    # Both conditions only improve with more slots: find a slot count that is enough by
    # doubling, then the fewest by bisection (a few dozen evaluations even at 5,000 slots).
    low, high = 0, max(1, math.ceil(load))
    best = metrics(high, load, aht, patience, target_seconds)
    while not enough(best):
        low, high = high, high * 2
        if low >= MAX_SLOTS:
            raise ValueError(f"more than {MAX_SLOTS} chat slots: check the volume")
        best = metrics(high, load, aht, patience, target_seconds)
    while high - low > 1:  # ``low`` is not enough (0 never is), ``high`` is
        middle = (low + high) // 2
        figures = metrics(middle, load, aht, patience, target_seconds)
        if enough(figures):
            high, best = middle, figures
        else:
            low = middle
    return best
