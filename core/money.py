"""Minor-unit money helpers: conversion for input and display, never floats.

Amounts are stored as integers in the currency's minor unit (cents for EUR).
These helpers only convert for display and input; no floats are involved.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor-unit exponents that differ from the usual two decimals.
_EXPONENTS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3, "JOD": 3}
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹"}

# Currencies offered when a supplier states a rate; the field stores any ISO code.
RATE_CURRENCIES = ("EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "CAD", "AUD", "JPY", "INR")


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def to_minor(amount: Decimal, currency: str) -> int:
    """``Decimal("85.5"), "EUR"`` -> ``8550``; rounds half up to the minor unit."""
    quantum = Decimal(1).scaleb(-exponent(currency))
    return int((amount.quantize(quantum, rounding=ROUND_HALF_UP) / quantum).to_integral_value())


def from_minor(minor: int, currency: str) -> Decimal:
    """``8550, "EUR"`` -> ``Decimal("85.50")``."""
    return Decimal(minor).scaleb(-exponent(currency))


def format_money(minor: int, currency: str) -> str:
    """``8550, "EUR"`` -> ``"€85.50"``; unknown symbols read ``"CHF 85.50"``."""
    currency = currency.upper()
    digits = exponent(currency)
    number = f"{from_minor(minor, currency):,.{digits}f}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol else f"{currency} {number}"
