"""Errors carrying the kubelet's admission reason and message, word for word."""

from __future__ import annotations


class AdmissionError(Exception):
    """A pod the kubelet would reject: `reason` is the pod status reason, `message` its text."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        self.message = message
        super().__init__(message)


class AllocationError(AdmissionError):
    """`takeByTopology` could not satisfy a request (the kubelet's message as text)."""

    def __init__(self, message: str) -> None:
        super().__init__("UnexpectedAdmissionError", message)


TOPOLOGY_AFFINITY_ERROR = "TopologyAffinityError"
SMT_ALIGNMENT_ERROR = "SMTAlignmentError"
EMPTY_POD_SHARED_POOL_ERROR = "EmptyPodSharedPoolError"
UNEXPECTED_ADMISSION_ERROR = "UnexpectedAdmissionError"
