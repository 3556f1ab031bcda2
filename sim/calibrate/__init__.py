"""`exsim calibrate`: a scenario from an organisation's own message tracking logs.

Why: a capacity planner's first question about any model is "is this my organisation?", and its Exchange
servers already hold the answer in their message tracking logs (on by default, 30 days kept). This package
reads them (streaming: `sim.formats.tracking_read`, one pass in time order: `tally`), derives the
organisation, its workload and where its mail goes (`organisation`, `derive`), writes a commented scenario
(`scenario_file`) and a report that can set a run of that scenario beside what was observed (`compare`,
`report`).

Layer: between `cli` and `runner` (it runs the calibrated scenario for the report through `sim.runner`).
From Python::

    import sim
    calibration = sim.calibrate(["logs/"])          # a Calibration: plain data, no address or subject
    text = scenario_text(calibration)                # the scenario as commented YAML
"""

from __future__ import annotations

import sys
import types

from .derive import Calibration
from .organisation import CalibrationError
from .read import calibrate
from .scenario_file import scenario_text

__all__ = ["Calibration", "CalibrationError", "calibrate", "scenario_text"]


class _CallablePackage(types.ModuleType):
    """`sim.calibrate(paths)` calls `calibrate` while `sim.calibrate` stays this package: the public API the
    issue names, without a function shadowing the package (which would break `import sim.calibrate.x`)."""

    def __call__(self, *args, **kwargs) -> Calibration:
        return calibrate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
