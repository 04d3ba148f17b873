"""Glyphs for each owner kind, so the grid reads without colour (htop's monochrome lesson)."""

from __future__ import annotations

from collections.abc import Mapping

from workbench.services.ownership import OwnerKind

GLYPHS: Mapping[OwnerKind, str] = {
    OwnerKind.SHARED: "·",
    OwnerKind.RESERVED: "×",
    OwnerKind.BUBBLE: "░",
    OwnerKind.POD_SHARED: "▒",
    OwnerKind.EXCLUSIVE: "█",
}
PREVIEW_GLYPH = "◆"
# A CPU the machine runs but the kubelet cannot see (lstopo's "disallowed" PUs).
HIDDEN_GLYPH = "?"
# Plain-ASCII fallbacks for terminals without a UTF-8 locale (lstopo's rule).
ASCII_GLYPHS: Mapping[OwnerKind, str] = {
    OwnerKind.SHARED: ".",
    OwnerKind.RESERVED: "x",
    OwnerKind.BUBBLE: "-",
    OwnerKind.POD_SHARED: "+",
    OwnerKind.EXCLUSIVE: "#",
}
ASCII_PREVIEW_GLYPH = "*"
ASCII_HIDDEN_GLYPH = "?"
