"""An in-project fake WIMS 4.29a adm/raw server that answers like the real one.

`WimsEmulator` holds the state and answers requests; `EmulatorServer` serves it over loopback HTTP.
Every reply shape, message and quirk comes from the real 4.29a (see ../shared/wims-server/README.md),
and tests/wims/test_emulator_fidelity.py runs one scenario on both to prove it.
"""

from .emulator import WimsEmulator
from .server import EmulatorServer

__all__ = ["EmulatorServer", "WimsEmulator"]
