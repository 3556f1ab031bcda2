"""Service-time, size and count distributions: their schema, their moments, and how to draw them.

A distribution knows its own mean, so tests compare samples and simulated results with theory, and
how to draw n values from a numpy Generator. The model turns each into a sampler on its own named
stream (sim.model.random); a constant one never touches a random stream, and a zero one lets a stage
cost no event.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .quantities import Duration, Size

if TYPE_CHECKING:
    import numpy as np

DistName = Literal["constant", "exponential", "lognormal", "empirical"]


def _lognormal_params(mean: float, cv: float) -> tuple[float, float]:
    sigma2 = math.log(1.0 + cv * cv)
    return math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)


class _Distribution(BaseModel):
    """Shared shape: `dist` with mean, cv (lognormal) or samples (empirical)."""

    model_config = ConfigDict(extra="forbid")

    dist: DistName = Field("constant", description="constant, exponential, lognormal (mean, cv) or empirical (samples)")
    cv: float | None = Field(None, gt=0, description="coefficient of variation (lognormal only)")

    @model_validator(mode="after")
    def _parameters_fit(self):
        if self.dist == "lognormal" and self.cv is None:
            raise ValueError("a lognormal distribution needs cv (coefficient of variation), e.g. cv: 1.0")
        if self.dist == "empirical" and not self.samples:
            raise ValueError("an empirical distribution needs a non-empty list of samples")
        return self

    @property
    def mean_value(self) -> float:
        if self.dist == "empirical":
            import numpy as np  # not at the top: loading a scenario (and its errors) never waits for numpy

            return float(np.mean(self.samples))
        return float(self.mean)

    @property
    def constant_value(self) -> float | None:
        """The one value every draw gives, or None when draws vary (a constant needs no random stream)."""
        mean = self.mean_value
        return mean if self.dist == "constant" or mean == 0 else None

    def drawer(self) -> Callable[[np.random.Generator, int], np.ndarray]:
        """A function drawing n values from a Generator (for a distribution that is not constant)."""
        mean = self.mean_value
        if self.dist == "exponential":
            return lambda g, n: g.exponential(mean, n)
        if self.dist == "lognormal":
            mu, sigma = _lognormal_params(mean, self.cv)
            return lambda g, n: g.lognormal(mu, sigma, n)
        import numpy as np

        values = np.asarray(self.samples, dtype=float)
        return lambda g, n: g.choice(values, n)


class TimeDistribution(_Distribution):
    """A time: `{dist: exponential, mean: 20ms}`; a bare "20ms" means constant."""

    mean: Duration = Field(0.0, ge=0, description="mean time")
    samples: list[Duration] | None = Field(None, description="observed times (empirical only)")

    @field_validator("samples")
    @classmethod
    def _non_negative(cls, samples):
        if samples and min(samples) < 0:
            raise ValueError("samples must be zero or more")
        return samples


class SizeDistribution(_Distribution):
    """A message size: `{dist: lognormal, mean: 50KB, cv: 1.5}`; a bare "50KB" means constant."""

    mean: Size = Field(50 * 1024, gt=0, description="mean size")
    samples: list[Size] | None = Field(None, description="observed sizes (empirical only)")

    @field_validator("samples")
    @classmethod
    def _positive(cls, samples):
        if samples and min(samples) <= 0:
            raise ValueError("sizes must be greater than 0")
        return samples


class Service(TimeDistribution):
    """The core time one stage spends on a message: a drawn base time plus per-KB and per-recipient work."""

    per_kb: Duration = Field(0.0, ge=0, description="extra time per KB of message size")
    per_recipient: Duration = Field(0.0, ge=0, description="extra time per recipient the copy carries")


class CountDistribution(BaseModel):
    """A count of at least 1, such as recipients per message: constant, geometric or empirical."""

    model_config = ConfigDict(extra="forbid")

    dist: Literal["constant", "geometric", "empirical"] = Field(
        "geometric", description="constant (value = mean), geometric on 1, 2, 3, ... (mean), or empirical (samples)"
    )
    mean: float = Field(1.0, ge=1, description="mean count (at least 1)")
    samples: list[int] | None = Field(None, description="observed counts (empirical only)")

    @model_validator(mode="after")
    def _parameters_fit(self):
        if self.dist == "constant" and self.mean != int(self.mean):
            raise ValueError("a constant count must be a whole number")
        if self.dist == "empirical" and (not self.samples or min(self.samples) < 1):
            raise ValueError("an empirical count needs a non-empty list of samples, each at least 1")
        return self

    @property
    def mean_value(self) -> float:
        """The mean count (of the samples, for an empirical count)."""
        if self.dist != "empirical":
            return self.mean
        import numpy as np

        return float(np.mean(self.samples))

    @property
    def constant_value(self) -> int | None:
        """The one count every draw gives, or None when draws vary."""
        if self.dist == "constant" or (self.dist == "geometric" and self.mean == 1):
            return int(self.mean)
        return None

    def drawer(self) -> Callable[[np.random.Generator, int], np.ndarray]:
        """A function drawing n counts from a Generator (for a count that is not constant)."""
        if self.dist == "geometric":
            p = 1.0 / self.mean
            return lambda g, n: g.geometric(p, n)
        import numpy as np

        values = np.asarray(self.samples, dtype=np.int64)
        return lambda g, n: g.choice(values, n)


def coerce_shorthand(value: object) -> object:
    """Let a bare "20ms", "50KB" or number stand for a constant distribution."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return {"dist": "constant", "mean": value}
    return value


Distribution = TimeDistribution | SizeDistribution | CountDistribution
"""Anything the model can draw from: each has `constant_value` and `drawer()`."""
