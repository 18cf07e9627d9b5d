"""opendata's own Table Schema validator: frictionless 5.21's verdicts, several times faster.

Public surface::

    from opendata.validation import validate_package_dir, PackageChecker, ResourceChecker
    from opendata.validation import ValidationError, ValidationReport
"""

from .checker import ForeignKey, ResourceChecker
from .package import PackageChecker, validate_package_dir
from .report import ValidationError, ValidationReport

__all__ = [
    "ForeignKey",
    "PackageChecker",
    "ResourceChecker",
    "ValidationError",
    "ValidationReport",
    "validate_package_dir",
]
