"""The demo that ``nbshare demo`` serves: the pacemaker detector of ``notebooks/pacemaker.ipynb``, shipped inside the
package (its trained weights and two of its frames), so it runs the same from a wheel as from a clone."""

from __future__ import annotations

from .pacemaker import pacemaker_interface

__all__ = ["pacemaker_interface"]
