"""Object and container names, checked as the API server checks them.

Follows `k8s.io/apimachinery/pkg/util/validation` (`IsDNS1123Label`, `IsDNS1123Subdomain`) as
`pkg/apis/core/validation` applies them: `ValidatePodName` is `NameIsDNSSubdomain`,
`ValidateNamespaceName` is `NameIsDNSLabel`, and `validateContainerCommon` checks each
container's name with `ValidateDNS1123Label`. The names become cgroup directory names and are
printed, so a name the API server would refuse (a newline, a C1 control, a bidi override, a
lone surrogate, more than 253 bytes) is refused here, at validation, never at mkdir.
"""

from __future__ import annotations

import re

from workbench.sanitize import sanitize

DNS1123_LABEL_MAX_LENGTH = 63
DNS1123_SUBDOMAIN_MAX_LENGTH = 253
_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = rf"{_LABEL_FMT}(\.{_LABEL_FMT})*"
# fullmatch, not `$`: Python's `$` also matches before a trailing newline.
_LABEL = re.compile(_LABEL_FMT)
_SUBDOMAIN = re.compile(_SUBDOMAIN_FMT)

_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used "
    f"for validation is '{_LABEL_FMT}')"
)
_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    f"for validation is '{_SUBDOMAIN_FMT}')"
)


def _length(value: str) -> int:
    # Go's len() counts bytes; a lone surrogate still counts (as the 3 bytes it would take).
    return len(value.encode("utf-8", "surrogatepass"))


def dns1123_label_errors(value: str) -> list[str]:
    """`IsDNS1123Label`: the reasons `value` is not a DNS label (empty list: it is one)."""
    errors: list[str] = []
    if _length(value) > DNS1123_LABEL_MAX_LENGTH:
        errors.append(f"must be no more than {DNS1123_LABEL_MAX_LENGTH} characters")
    if not _LABEL.fullmatch(value[: 4 * DNS1123_SUBDOMAIN_MAX_LENGTH]):
        errors.append(_LABEL_MSG)
    return errors


def dns1123_subdomain_errors(value: str) -> list[str]:
    """`IsDNS1123Subdomain`: the reasons `value` is not a DNS subdomain."""
    errors: list[str] = []
    if _length(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errors.append(f"must be no more than {DNS1123_SUBDOMAIN_MAX_LENGTH} characters")
    if not _SUBDOMAIN.fullmatch(value[: 4 * DNS1123_SUBDOMAIN_MAX_LENGTH]):
        errors.append(_SUBDOMAIN_MSG)
    return errors


def invalid_value(value: object, errors: list[str]) -> str:
    """The API server's `field.Invalid` text: the value quoted (and escaped), then the reasons."""
    return f'Invalid value: "{sanitize(value, 80)}": ' + "; ".join(errors)


def name_problem(value: object, kind: str) -> str | None:
    """Why `value` cannot be the name of a `kind` ("pod", "namespace", "container"), or None.

    Pods are DNS subdomains (`ValidatePodName`); namespaces (`ValidateNamespaceName`) and
    containers (`ValidateDNS1123Label`) are DNS labels."""
    if not isinstance(value, str):
        return f"Invalid value: {sanitize(repr(value), 80)}: a {kind} name is a string"
    if not value:
        return "Required value: name or generateName is required" if kind == "pod" else "Required value"
    errors = dns1123_subdomain_errors(value) if kind == "pod" else dns1123_label_errors(value)
    return invalid_value(value, errors) if errors else None
