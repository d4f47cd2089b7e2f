"""A switch that sends training down another path, as another CPU's rounding does, and changes nothing else.

Another CPU rounds the same float operations differently; over a few epochs
those last-digit differences grow, so a seeded training run ends at other
weights and other scores there, while the data, shapes, counts and error texts
stay the same. A claim drawn from a trained number must hold on that machine
too. Setting the environment variable

    BIRNN_COURSE_PERTURB=k    (k = 1, 2, 3, ...; unset, empty or 0: off)

makes every `training.train` call take another path of the same kind on this
machine:

* the model's weights are nudged before the first step, each tensor by
  NUDGE times its own root-mean-square, with noise drawn from a generator
  seeded with k alone (never torch's global one, so later draws stay as they
  were);
* the training loader's own shuffle starts from another seed
  (`shuffle_seed(seed, k)`), so the batches come in another order.

Everything else (the data, the seeds the notebooks set, validation and test
splits, checkpoints loaded from disk) is untouched, and two calls with the same
seed still agree with each other. `tools.claim_margins` runs the notebooks
with several values of k; `make test` runs them once with k = 1.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

ENV_VAR = "BIRNN_COURSE_PERTURB"
# Relative size of the nudge: far above rounding (about 1e-7), far below the spread of an initialisation.
NUDGE = 1e-3
# Where perturbed shuffles start, away from the seeds the notebooks use (0-9, 100s).
_SHUFFLE_OFFSET = 7919

if TYPE_CHECKING:
    from torch import nn


def perturbation(environ: dict[str, str] | None = None) -> int:
    """The switch's value k from ENV_VAR (0 when unset or empty); anything but a whole number >= 0 raises."""
    text = (os.environ if environ is None else environ).get(ENV_VAR, "").strip()
    if not text:
        return 0
    if not text.isdigit():
        raise ValueError(
            f"{ENV_VAR}={text!r} is not a whole number: set it to 1, 2, 3, ... to perturb training, or unset it "
            "(or set it to 0) to train as usual"
        )
    return int(text)


def shuffle_seed(seed: int, k: int) -> int:
    """The seed a training loader's shuffle starts from: `seed` itself when k is 0, another one for each k."""
    return seed if k == 0 else seed + _SHUFFLE_OFFSET * k


def nudge_weights(model: nn.Module, k: int) -> None:
    """Add NUDGE x (each floating tensor's RMS) x noise to the model's parameters, in place; nothing when k is 0."""
    if k == 0:
        return
    import torch

    generator = torch.Generator().manual_seed(k)
    with torch.no_grad():
        for parameter in model.parameters():
            if not parameter.is_floating_point() or parameter.numel() == 0:
                continue
            scale = parameter.detach().float().pow(2).mean().sqrt().item()
            noise = torch.randn(parameter.shape, generator=generator, dtype=torch.float32)
            parameter.add_((NUDGE * scale * noise).to(parameter.device, parameter.dtype))
