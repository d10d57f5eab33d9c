"""Adds N disabled users (no password) to a stopped Samba DC's sam.ldb, through Samba's own dsdb modules.

Run by bench/support/samba-domain-cache.ts with Debian's python3 (the samba bindings live there):
    bulk-users.py <smb.conf> <sam.ldb> <parent DN> <count>
Creates the parent OU when missing. One transaction per batch of BULK_USERS_BATCH adds (500); BULK_USERS_FROM
starts the names at another number. Each add still costs more as the domain grows (ldb copies its in-memory
index lists on every add): faster here than the earlier LDAP-add figures, but not linear; see docs/lockout.md.
"""
import os
import sys
import time

import ldb

from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

BATCH = int(os.environ.get("BULK_USERS_BATCH", "500"))


def main() -> None:
    conf, url, parent, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    lp = LoadParm()
    lp.load(conf)
    db = SamDB(url=url, session_info=system_session(), lp=lp)
    ou_rdn = parent.split(",", 1)[0]
    if not ou_rdn.upper().startswith("OU="):
        raise SystemExit(f"the parent must be an OU: {parent}")
    if not db.search(base=parent.split(",", 1)[1], scope=ldb.SCOPE_ONELEVEL, expression=f"({ou_rdn})"):
        db.add({"dn": parent, "objectClass": ["top", "organizationalUnit"], "ou": ou_rdn[3:]})
    started = time.monotonic()
    start = int(os.environ.get("BULK_USERS_FROM", "0"))
    for first in range(start, count, BATCH):
        db.transaction_start()
        try:
            for i in range(first, min(first + BATCH, count)):
                name = f"bulk{i}"
                db.add(
                    {
                        "dn": f"CN={name},{parent}",
                        "objectClass": ["top", "person", "organizationalPerson", "user"],
                        "sAMAccountName": name,
                        # NORMAL_ACCOUNT | ACCOUNTDISABLE: no password needed, nothing to hash.
                        "userAccountControl": "514",
                    }
                )
        except BaseException:
            db.transaction_cancel()
            raise
        db.transaction_commit()
        done = min(first + BATCH, count)
        elapsed = time.monotonic() - started
        print(f"{done} {elapsed:.1f}", flush=True)


main()
