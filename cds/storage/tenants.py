"""Whose feedback it is: every feedback row and issued card belongs to one tenant.

A tenant is the caller's verified issuer (``iss``), with the tenant configured for that trusted
client when one is (``CDS_TRUSTED_CLIENTS[].tenant``: one EHR issuer serving several
organisations). A tenant reads and writes only its own feedback and summaries, and reports only
on cards issued to it. With ``CDS_AUTH=off`` nobody is identified: everything belongs to one
local tenant (empty issuer and tenant), which no authenticated caller can be.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cds.security import VerifiedClient


@dataclass(frozen=True, slots=True)
class Tenant:
    iss: str
    tenant: str = ""


LOCAL_TENANT = Tenant(iss="", tenant="")


def tenant_of(caller: VerifiedClient | None) -> Tenant:
    """The caller's tenant; the token's ``tenant`` claim counts only where it is configured
    (the verifier then requires it to match), so one issuer is one tenant unless it says so."""
    if caller is None:
        return LOCAL_TENANT
    return Tenant(iss=caller.iss, tenant=caller.client.tenant or "")
