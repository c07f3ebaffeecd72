#!/usr/bin/python3
"""gen.py - generate N domains with known postures for `mailproof check --bulk`.

usage: gen.py [--world providers] N OUTDIR [LAME]
Writes OUTDIR/bulk.test.zone (zone bulk.test), OUTDIR/test.zone (an empty
parent zone, so DMARC tree walks end in an authoritative answer),
OUTDIR/domains.txt (one per line, shuffled deterministically) and
OUTDIR/expected.tsv (domain TAB verdict TAB finding that must be there).
LAME extra domains under lame.invalid are added: no server answers for them
(REFUSED, or a timeout through a resolver), so their verdict is unknown.
Postures mimic real ones: shared providers' include chains, MX hosts at
providers, DKIM at common selectors, Ed25519 and RSA keys.

The default world (integration/check/bulk and lame, NSD asked directly)
has every domain at one fictional provider with its DKIM key at a selector
picked at random. `--world providers` (bench/check, lame-bench) is the
realistic one: real provider zones (google.com, outlook.com, ...) and
selectors that follow the provider; see world_providers() below.
"""
import base64
import os
import random
import sys

KEY1024 = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDQyP/uOaRbJ+4ssItTF1oUZBU9vhCJdnP4ktKekU1raTRh4lX9XuvZykRUhn29/fcBY9vQGDqZGggUq4/GsgaCt4ZNoFn4sebhcS1ejxERcohR8krT4AqqzqtPeEHgApwtIsqaMy/VTYBeAiX82Nsx3sIUTJCP65DW2lBwZetkpwIDAQAB"

SELECTORS = ["google", "selector1", "selector2", "k1", "s1", "default", "dkim", "mail"]

# posture -> (weight, verdict, finding that must be reported, record builder)
def ed25519(rng):
    return "v=DKIM1; k=ed25519; p=" + base64.b64encode(rng.randbytes(32)).decode()


def txt(s):
    """a TXT rdata, split into 255-byte strings"""
    return " ".join('"%s"' % s[i:i + 250] for i in range(0, len(s), 250))


def sender(d, rng, spf="v=spf1 include:_spf.prov1.bulk.test -all",
           dmarc="v=DMARC1; p=reject; rua=mailto:dmarc@{d}.bulk.test", key=None, mx=True):
    rr = []
    if mx:
        rr.append("%s MX 10 mx%d.prov1.bulk.test." % (d, rng.randrange(3)))
    if spf:
        rr.append("%s TXT %s" % (d, txt(spf)))
    if dmarc:
        rr.append("_dmarc.%s TXT %s" % (d, txt(dmarc.format(d=d))))
    sel = rng.choice(SELECTORS)
    rr.append("%s._domainkey.%s TXT %s" % (sel, d, txt(key or ed25519(rng))))
    return rr


POSTURES = [
    ("protected", 30, "protected", None, lambda d, r: sender(d, r)),
    ("protected-quarantine", 8, "protected", None,
     lambda d, r: sender(d, r, dmarc="v=DMARC1; p=quarantine; sp=quarantine; rua=mailto:agg@{d}.bulk.test")),
    ("protected-nomail", 8, "protected", "mx-null", lambda d, r: [
        "%s MX 0 ." % d, '%s TXT "v=spf1 -all"' % d,
        '_dmarc.%s TXT "v=DMARC1; p=reject; sp=reject; rua=mailto:d@%s.bulk.test"' % (d, d)]),
    ("policy-none", 12, "at-risk", "dmarc-policy-none",
     lambda d, r: sender(d, r, dmarc="v=DMARC1; p=none; rua=mailto:dmarc@{d}.bulk.test")),
    ("pct", 4, "at-risk", "dmarc-pct",
     lambda d, r: sender(d, r, dmarc="v=DMARC1; p=quarantine; pct=25; rua=mailto:dmarc@{d}.bulk.test")),
    ("testing", 3, "at-risk", "dmarc-testing",
     lambda d, r: sender(d, r, dmarc="v=DMARC1; p=reject; t=y; rua=mailto:dmarc@{d}.bulk.test")),
    ("too-many-lookups", 5, "at-risk", "spf-too-many-lookups",
     lambda d, r: sender(d, r, spf="v=spf1 include:_spf.big.bulk.test include:_spf.prov1.bulk.test mx -all")),
    ("weak-key", 4, "at-risk", "dkim-key-weak",
     lambda d, r: sender(d, r, key="v=DKIM1; k=rsa; p=" + KEY1024)),
    ("no-spf", 3, "at-risk", "spf-missing", lambda d, r: sender(d, r, spf=None)),
    ("no-dmarc", 12, "unprotected", "dmarc-missing", lambda d, r: sender(d, r, dmarc=None)),
    ("plus-all", 3, "unprotected", "spf-pass-all", lambda d, r: sender(d, r, spf="v=spf1 +all")),
    ("two-spf", 3, "unprotected", "spf-multiple",
     lambda d, r: sender(d, r) + ['%s TXT "v=spf1 ip4:192.0.2.1 -all"' % d]),
    ("broken-include", 2, "unprotected", "spf-include-broken",
     lambda d, r: sender(d, r, spf="v=spf1 include:_spf.gone.bulk.test -all")),
    ("nothing-aligns", 3, "unprotected", "nothing-can-align", lambda d, r: [
        "%s MX 10 mx0.prov1.bulk.test." % d,
        '_dmarc.%s TXT "v=DMARC1; p=reject; rua=mailto:d@%s.bulk.test"' % (d, d)]),
]

HEAD = """$ORIGIN bulk.test.
$TTL 3600
@ SOA ns hostmaster 1 7200 900 1209600 300
@ NS ns
ns A 192.0.2.53
_spf.prov1 TXT "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/24 include:_spf2.prov1.bulk.test -all"
_spf2.prov1 TXT "v=spf1 ip6:2001:db8::/32 -all"
mx0.prov1 A 192.0.2.25
mx1.prov1 A 192.0.2.26
mx2.prov1 A 192.0.2.27
mx2.prov1 AAAA 2001:db8::27
"""


def big_chain():
    """_spf.big: 9 DNS terms through nested includes (with prov1's 2 and mx: 12)"""
    rr = ['_spf.big TXT "v=spf1 include:a.big.bulk.test include:b.big.bulk.test include:c.big.bulk.test -all"']
    for x in "abc":
        rr.append('%s.big TXT "v=spf1 include:%s1.big.bulk.test include:%s2.big.bulk.test -all"' % (x, x, x))
        for i in (1, 2):
            rr.append('%s%d.big TXT "v=spf1 ip4:203.0.113.%d -all"' % (x, i, ord(x) % 50 + i))
    return rr


def main():
    args = sys.argv[1:]
    world = "default"
    if "--world" in args:
        k = args.index("--world")
        world = args[k + 1]
        del args[k:k + 2]
    if world not in ("default", "providers") or len(args) < 2:
        sys.exit("usage: gen.py [--world providers] N OUTDIR [LAME]")
    if world == "providers":
        world_providers(int(args[0]), args[1], int(args[2]) if len(args) > 2 else 0)
        return
    n = int(args[0])
    out = args[1]
    lame = int(args[2]) if len(args) > 2 else 0
    rng = random.Random(6)
    os.makedirs(out, exist_ok=True)
    total = sum(p[1] for p in POSTURES)
    domains = []
    with open(os.path.join(out, "bulk.test.zone"), "w") as z:
        z.write(HEAD)
        z.write("\n".join(big_chain()) + "\n")
        for i in range(n):
            pick = rng.randrange(total)
            for name, w, verdict, finding, build in POSTURES:
                if pick < w:
                    break
                pick -= w
            d = "d%06d" % i
            z.write("\n".join(build(d, rng)) + "\n")
            domains.append((d + ".bulk.test", verdict, finding or "-"))
    for i in range(lame):
        domains.append(("l%05d.lame.invalid" % i, "unknown", "dns-error"))
    with open(os.path.join(out, "test.zone"), "w") as z:
        z.write("$ORIGIN test.\n$TTL 3600\n@ SOA ns.bulk.test. hostmaster.bulk.test. 1 7200 900 1209600 300\n"
                "@ NS ns.bulk.test.\nbulk NS ns.bulk.test.\n")
    rng.shuffle(domains)
    with open(os.path.join(out, "domains.txt"), "w") as f:
        f.write("".join(d + "\n" for d, _, _ in domains))
    with open(os.path.join(out, "expected.tsv"), "w") as f:
        f.write("".join("%s\t%s\t%s\n" % x for x in domains))



# ---- the providers world (--world providers) --------------------------------
#
# Customer domains dNNNNNN.bulk.test and, for about a quarter of them,
# dNNNNNN.co.bulk.test under the multi-label public suffix co.bulk.test
# (OUTDIR/psl.dat lists test, bulk.test and co.bulk.test for --psl). Each
# sending domain is hosted at a mailbox provider whose zones carry their real
# names and shapes, every zone in its own file (OUTDIR/<zone>.zone, the list
# in OUTDIR/stubs.txt for the resolver's stub-zones):
#   Google Workspace       38  MX aspmx.l.google.com + alt1..alt4 (shared),
#                              include:_spf.google.com ~all (3 nested
#                              _netblocks), key at google._domainkey
#   Microsoft 365          28  MX <d-dashed>.mail.protection.outlook.com (its
#                              own name, 2 addresses from a shared pool),
#                              include:spf.protection.outlook.com -all,
#                              selector1/2 CNAME to selector1-<d-dashed>.
#                              _domainkey.<tenant>.onmicrosoft.com (the key)
#   self-hosted            17  MX mail.<d> with its own A (and PTR), SPF mx or
#                              ip4, key at one of default, dkim, mail
#   Google + SendGrid       4  include:sendgrid.net; s1/s2 CNAME to
#                              sN.domainkey.u<N>.wl.sendgrid.net or TXT
#   Google + Mailchimp      3  include:servers.mcsv.net; k1 CNAME dkim.mcsv.net
#   Microsoft 365 + SendGrid 2, Microsoft 365 + Mailchimp 3
# so of all domains about 35% Google, 25% Microsoft 365, 15% self-hosted,
# 10% an ESP beside the mailbox provider, 7% parked (null MX, no provider).
# The posture (POSTURES_P) is drawn independently and crossed with the
# provider; its verdict and deciding finding are the default world's, plus
# "no-dkim" (the provider's DKIM never enabled: still protected). A weak
# key sits at the provider's own selector (for Microsoft 365 at the
# onmicrosoft.com target). Every key is at a selector of the built-in list
# AND derived from the domain's MX/SPF (DERIVED, the engine's table), so
# both `--dkim-probe all` and the bulk "likely first" order find it.
# Reverse zones answer PTR for every MX address with a name that resolves
# back (forward-confirmed). OUTDIR/wave1.tsv: domain, the selectors derived
# for it, its own (not shared) MX host names ("-" none, "." a null MX), for
# bench/check/questions.py.

RSA2048 = [
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxT+fU2p92jKRyPb+tr+Wi241SCg8YTVUGIsRasbJODnlMSZjenk4x8jZoeJtIZwKB0/HYhWwoenMzL9kpmVRVylQ0bWYg/BD5tO311ZjBEPXNAgxII67TbiZTdR47lglPLR3QX64hJTmZQd9OJW1S3EeT9oVRlZdHoErXP+5or4kqtTkobkp+kka8b8XRJQdCH6MK8yw5cvXZcA2nr5KGkg3K6/PlhVMnDU20qmnSaaE+Iy4JDn7tZLHEpHDt14w1idYJfJsfri923lG9ZaKh4O02gCUrx6F0hmRQ5VMMFKqHTivHtpJ+j/VipaSPkwrrfLvOYy8iESSLWT8uapjVQIDAQAB",
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAzkR7crtixhidhWY0T5P5BQWnUptm/kN8YWX3rBY6IEqrgbyMu5WF5++46jJxopng3ROZdbd9mh+kyud0O+Q/UTKkqKFU+9+0xc4DPC5/UEMUMoag3upBp3aQD8y+VTmn6L4wt2P+UgL3MpHMynXFPrQ/7rGRF3PIxQu/ezqoeZYUdfNEW09gUFLSWkdlV6ooR+j3y1fXyBpxU/VgtChxb0fCgGkZdvoYrp1aLATJc//WwWz2q4CVdYVQYrW+sSe6YaiPMNErKQntwCydPud+oKR4Oh9PyOQlX+gF9eNdurhUP6niWQ/Fy1aUNYgklTnYCClso0WkNLVpViRsIDfvewIDAQAB",
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApTVpPQ5pc1lba3NpZbpQYJemMR4rM5+aq+6FBhyUUyUbid9G+CyDdtIYjn6n47cuLzeeQghyzWTAUSDw/BUUKqcRcDkpAxueO8KN2pMmK0/qknsTGmn20gF7TjhGDyONVok3L15HFnlwFDyRWrayOR1HsqjmFcnOol45lDmtzIZMjeiKefjh94uH+2FoCfEBcmt+F5mEhkMP4jImO5Hq7uyWzkOWSOz2JX+Poza4HZeu1ZTIjnIqOv/lEsQ1Y9hpJotP8PBcm25kuL8IlpQ/KKaQpl7TzN3hEODP7sTEdGGitNeV56P/mE1F0xySOHT0Jxu5zWB3AQcHXQGwaHP2gQIDAQAB",
]

# the engine's derived-selector table (docs/check.md): a suffix on a label
# boundary of an MX host or an SPF include:/redirect= target -> selectors
DERIVED = [
    (("google.com", "googlemail.com"), ("google",)),
    (("outlook.com",), ("selector1", "selector2")),
    (("mcsv.net", "mailchimp.com"), ("k1", "k2", "k3")),
    (("mandrillapp.com",), ("mandrill", "mte1")),
    (("sendgrid.net",), ("s1", "s2")),
    (("zendesk.com",), ("zendesk1", "zendesk2")),
    (("protonmail.ch", "proton.me"), ("protonmail", "protonmail2", "protonmail3")),
    (("messagingengine.com",), ("fm1", "fm2", "fm3")),
    (("mailjet.com",), ("mailjet",)),
    (("icloud.com", "me.com"), ("sig1",)),
    (("yandex.net", "yandex.ru"), ("mail",)),
]
SELF_HOSTED_WAVE = ["default", "dkim", "mail"]


def derived(names):
    """the selectors the engine asks first for these MX hosts and SPF targets
    (its first wave: each provider's first selector)"""
    out = []
    for n in names:
        n = n.lower().rstrip(".")
        for sufs, sels in DERIVED:
            if any(n == x or n.endswith("." + x) for x in sufs) and sels[0] not in out:
                out.append(sels[0])
    return out or list(SELF_HOSTED_WAVE)


GOOGLE_SPF = {
    "_spf.google.com": "v=spf1 include:_netblocks.google.com include:_netblocks2.google.com "
                       "include:_netblocks3.google.com ~all",
    "_netblocks.google.com": "v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 "
                             "ip4:66.249.80.0/20 ip4:72.14.192.0/18 ip4:74.125.0.0/16 ip4:108.177.8.0/21 "
                             "ip4:173.194.0.0/16 ip4:209.85.128.0/17 ip4:216.58.192.0/19 "
                             "ip4:216.239.32.0/19 ~all",
    "_netblocks2.google.com": "v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 "
                              "ip6:2607:f8b0:4000::/36 ip6:2800:3f0:4000::/36 ip6:2a00:1450:4000::/36 "
                              "ip6:2c0f:fb50:4000::/36 ~all",
    "_netblocks3.google.com": "v=spf1 ip4:172.217.0.0/19 ip4:172.217.32.0/20 ip4:172.217.128.0/19 "
                              "ip4:172.217.160.0/20 ip4:172.217.192.0/19 ip4:172.253.56.0/21 "
                              "ip4:172.253.112.0/20 ip4:108.177.96.0/19 ip4:35.191.0.0/16 "
                              "ip4:130.211.0.0/22 ~all",
}
GOOGLE_MX = [(1, "aspmx.l.google.com", "142.250.153.26", "2a00:1450:4013:c16::1a", "wr"),
             (5, "alt1.aspmx.l.google.com", "142.250.150.27", "2a00:1450:4010:c1c::1b", "wm"),
             (5, "alt2.aspmx.l.google.com", "142.250.115.26", "2a00:1450:4025:c03::1a", "wy"),
             (10, "alt3.aspmx.l.google.com", "142.250.27.27", "2a00:1450:4013:c00::1b", "wj"),
             (10, "alt4.aspmx.l.google.com", "142.250.102.26", "2a00:1450:4010:c0e::1a", "wg")]
OUTLOOK_SPF = {
    "spf.protection.outlook.com": "v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/15 "
                                  "ip4:52.102.0.0/16 ip4:52.103.0.0/16 ip4:104.47.0.0/17 "
                                  "ip6:2a01:111:f400::/48 ip6:2a01:111:f403::/49 "
                                  "ip6:2a01:111:f403:8000::/51 ip6:2a01:111:f403:c000::/51 "
                                  "ip6:2a01:111:f403:f000::/52 include:spfd.protection.outlook.com -all",
    "spfd.protection.outlook.com": "v=spf1 ip4:51.4.72.0/24 ip4:51.5.72.0/24 ip4:51.5.80.0/27 "
                                   "ip4:20.47.149.138/32 ip4:51.4.80.0/27 ip6:2a01:4180:4051:0800::/64 "
                                   "ip6:2a01:4180:4050:0800::/64 ip6:2a01:4180:4051:0400::/64 "
                                   "ip6:2a01:4180:4050:0400::/64 -all",
}
# Exchange Online Protection's inbound addresses: every tenant's MX host
# has two of them
OUTLOOK_POOL = ["52.101.%d.%d" % (40 + k // 2, 10 + k % 2) for k in range(16)]
SENDGRID_SPF = {
    "sendgrid.net": "v=spf1 ip4:167.89.0.0/17 ip4:208.117.48.0/20 ip4:50.31.32.0/19 "
                    "ip4:198.37.144.0/20 ip4:198.21.0.0/21 ip4:192.254.112.0/20 ip4:168.245.0.0/17 "
                    "ip4:149.72.0.0/16 ip4:159.183.0.0/16 include:ab.sendgrid.net ~all",
    "ab.sendgrid.net": "v=spf1 ip4:223.165.113.0/24 ip4:223.165.115.0/24 ip4:223.165.118.0/23 "
                       "ip4:223.165.120.0/23 ~all",
}
MCSV_SPF = {"servers.mcsv.net": "v=spf1 ip4:205.201.128.0/20 ip4:198.2.128.0/18 ip4:148.105.8.0/21 ?all"}

ZONE_GOOGLE, ZONE_1E100, ZONE_OUTLOOK, ZONE_ONMS = "google.com", "1e100.net", "outlook.com", "onmicrosoft.com"
ZONE_SENDGRID, ZONE_MCSV = "sendgrid.net", "mcsv.net"
ZONE_REV_GOOGLE4, ZONE_REV_GOOGLE6 = "250.142.in-addr.arpa", "0.5.4.1.0.0.a.2.ip6.arpa"
ZONE_REV_OUTLOOK, ZONE_REV_SELF = "101.52.in-addr.arpa", "18.198.in-addr.arpa"


def rev(ip):
    import ipaddress
    return ipaddress.ip_address(ip).reverse_pointer


class World:
    """zone name -> its records (absolute owner names)"""

    def __init__(self):
        self.zones = {}
        self.sendgrid_user = 1000000
        self.self_hosted = 0

    def add(self, zone, rr):
        self.zones.setdefault(zone, []).append(rr)

    def zone_of(self, name):
        """the customer zone a name is in"""
        return "co.bulk.test" if name.endswith(".co.bulk.test") else "bulk.test"


def rsa_key(rng):
    return "v=DKIM1; k=rsa; p=" + rng.choice(RSA2048)


def weak_key():
    return "v=DKIM1; k=rsa; p=" + KEY1024


class Prov:
    """one customer's provider: MX hosts, SPF terms, DKIM keys and the
    records it publishes on the provider's side"""

    def __init__(self, name):
        self.name = name
        self.mx = []          # (pref, host)
        self.own_hosts = []   # MX host names of this customer only
        self.terms = []       # SPF terms before the all
        self.all = "-all"
        self.verify = []      # other apex TXT (site verification)
        self.side = []        # (zone, rr) published whenever the MX is
        self.keys = []        # (selector, zone of the key, owner of the key, CNAME or None)


def prov_google(w, d, rng, p=None):
    p = p or Prov("google")
    p.mx = [(pref, host) for pref, host, _, _, _ in GOOGLE_MX]
    p.terms.append("include:_spf.google.com")
    p.all = "~all"
    if rng.random() < 0.5:
        p.verify.append("google-site-verification=" +
                        base64.urlsafe_b64encode(rng.randbytes(32)).decode().rstrip("="))
    p.keys.append(("google", w.zone_of(d), "google._domainkey." + d, None))
    return p


def dashed(d):
    return d.replace(".", "-")


def prov_m365(w, d, rng, p=None):
    p = p or Prov("m365")
    host = dashed(d) + ".mail.protection.outlook.com"
    p.mx = [(0, host)]
    p.own_hosts.append(host)
    for ip in rng.sample(OUTLOOK_POOL, 2):
        p.side.append((ZONE_OUTLOOK, "%s. A %s" % (host, ip)))
    p.terms.append("include:spf.protection.outlook.com")
    p.verify.append("MS=ms%08d" % rng.randrange(10 ** 8))
    tenant = d.split(".")[0] + rng.choice(["", "corp", "group", "inc"])
    for sel in ("selector1", "selector2"):
        target = "%s-%s._domainkey.%s.onmicrosoft.com" % (sel, dashed(d), tenant)
        p.keys.append((sel, ZONE_ONMS, target, "%s._domainkey.%s" % (sel, d)))
    return p


def prov_self(w, d, rng):
    p = Prov("self")
    k = w.self_hosted
    w.self_hosted += 1
    ip = "198.18.%d.%d" % (k // 254 % 256, k % 254 + 1)
    host = "mail." + d
    p.mx = [(10, host)]
    p.own_hosts.append(host)
    p.side.append((w.zone_of(d), "%s. A %s" % (host, ip)))
    p.side.append((ZONE_REV_SELF, "%s. PTR %s." % (rev(ip), host)))
    p.terms.append("mx" if rng.random() < 0.5 else "ip4:" + ip)
    sel = rng.choice(SELF_HOSTED_WAVE)
    p.keys.append((sel, w.zone_of(d), "%s._domainkey.%s" % (sel, d), None))
    p.ed25519 = rng.random() < 0.3
    return p


def esp_sendgrid(w, d, rng, p):
    p.name += "+sendgrid"
    p.terms.append("include:sendgrid.net")
    u = w.sendgrid_user
    w.sendgrid_user += 1
    for sel in ("s1", "s2"):
        if rng.random() < 0.7:    # "automated security": CNAMEs to SendGrid
            p.keys.append((sel, ZONE_SENDGRID, "%s.domainkey.u%d.wl.sendgrid.net" % (sel, u),
                           "%s._domainkey.%s" % (sel, d)))
        else:
            p.keys.append((sel, w.zone_of(d), "%s._domainkey.%s" % (sel, d), None))
    return p


def esp_mailchimp(w, d, rng, p):
    p.name += "+mailchimp"
    p.terms.append("include:servers.mcsv.net")
    p.keys.append(("k1", ZONE_MCSV, "dkim.mcsv.net", "k1._domainkey." + d))
    if rng.random() < 0.5:
        p.keys.append(("k2", ZONE_MCSV, "dkim2.mcsv.net", "k2._domainkey." + d))
    return p


PROVIDERS = [
    ("google", 38, lambda w, d, r: prov_google(w, d, r)),
    ("m365", 28, lambda w, d, r: prov_m365(w, d, r)),
    ("self", 17, prov_self),
    ("google+sendgrid", 4, lambda w, d, r: esp_sendgrid(w, d, r, prov_google(w, d, r))),
    ("google+mailchimp", 3, lambda w, d, r: esp_mailchimp(w, d, r, prov_google(w, d, r))),
    ("m365+sendgrid", 2, lambda w, d, r: esp_sendgrid(w, d, r, prov_m365(w, d, r))),
    ("m365+mailchimp", 3, lambda w, d, r: esp_mailchimp(w, d, r, prov_m365(w, d, r))),
]


def send_p(w, d, p, rng, spf="", dmarc="v=DMARC1; p=reject; rua=mailto:dmarc@{d}", keys=True,
           weak=False, extra=()):
    """a sending domain at provider p; spf "" = the provider's record"""
    z = w.zone_of(d)
    for pref, host in p.mx:
        w.add(z, "%s. MX %d %s." % (d, pref, host))
    for zone, rr in p.side:
        w.add(zone, rr)
    if spf == "":
        spf = "v=spf1 %s %s" % (" ".join(p.terms), p.all)
    if spf:
        w.add(z, "%s. TXT %s" % (d, txt(spf)))
    for v in p.verify:
        w.add(z, "%s. TXT %s" % (d, txt(v)))
    for rr in extra:
        w.add(z, rr.format(d=d))
    if dmarc:
        w.add(z, "_dmarc.%s. TXT %s" % (d, txt(dmarc.format(d=d))))
    for n, (sel, zone, owner, cname) in enumerate(p.keys if keys else []):
        if cname:
            w.add(z, "%s. CNAME %s." % (cname, owner))
        if n == 0 and weak:
            rec = weak_key()
        elif owner in w.zones.get("shared-keys", ()):
            continue    # a provider's shared key (dkim.mcsv.net) once
        elif getattr(p, "ed25519", False):
            rec = ed25519(rng)
        else:
            rec = rsa_key(rng)
        if cname and zone == ZONE_MCSV:
            w.zones.setdefault("shared-keys", set()).add(owner)
        w.add(zone, "%s. TXT %s" % (owner, txt(rec)))
    return spf


def big_terms(p):
    """SPF over 10 DNS lookups: the provider's terms, two ESPs (3), a
    marketing vendor's nested chain _spf.big (9) and mx"""
    return "v=spf1 %s include:sendgrid.net include:servers.mcsv.net include:_spf.big.bulk.test mx %s" % (
        " ".join(t for t in p.terms if t not in ("include:sendgrid.net", "include:servers.mcsv.net")), p.all)


def nomail_p(w, d, p, rng):
    z = w.zone_of(d)
    w.add(z, "%s. MX 0 ." % d)
    w.add(z, '%s. TXT "v=spf1 -all"' % d)
    w.add(z, '_dmarc.%s. TXT "v=DMARC1; p=reject; sp=reject; rua=mailto:d@%s"' % (d, d))
    return "v=spf1 -all"


# posture -> (weight, verdict, finding that must be reported, builder); the
# default world's table crossed with a provider, plus no-dkim
POSTURES_P = [
    ("protected", 30, "protected", None, lambda w, d, p, r: send_p(w, d, p, r)),
    ("protected-quarantine", 8, "protected", None, lambda w, d, p, r: send_p(
        w, d, p, r, dmarc="v=DMARC1; p=quarantine; sp=quarantine; rua=mailto:agg@{d}")),
    ("protected-nomail", 8, "protected", "mx-null", nomail_p),
    ("no-dkim", 8, "protected", "dkim-not-found", lambda w, d, p, r: send_p(w, d, p, r, keys=False)),
    ("policy-none", 12, "at-risk", "dmarc-policy-none", lambda w, d, p, r: send_p(
        w, d, p, r, dmarc="v=DMARC1; p=none; rua=mailto:dmarc@{d}")),
    ("pct", 4, "at-risk", "dmarc-pct", lambda w, d, p, r: send_p(
        w, d, p, r, dmarc="v=DMARC1; p=quarantine; pct=25; rua=mailto:dmarc@{d}")),
    ("testing", 3, "at-risk", "dmarc-testing", lambda w, d, p, r: send_p(
        w, d, p, r, dmarc="v=DMARC1; p=reject; t=y; rua=mailto:dmarc@{d}")),
    ("too-many-lookups", 5, "at-risk", "spf-too-many-lookups", lambda w, d, p, r: send_p(
        w, d, p, r, spf=big_terms(p))),
    ("weak-key", 4, "at-risk", "dkim-key-weak", lambda w, d, p, r: send_p(w, d, p, r, weak=True)),
    ("no-spf", 3, "at-risk", "spf-missing", lambda w, d, p, r: send_p(w, d, p, r, spf=None)),
    ("no-dmarc", 12, "unprotected", "dmarc-missing", lambda w, d, p, r: send_p(w, d, p, r, dmarc=None)),
    ("plus-all", 3, "unprotected", "spf-pass-all", lambda w, d, p, r: send_p(
        w, d, p, r, spf="v=spf1 %s +all" % " ".join(p.terms))),
    ("two-spf", 3, "unprotected", "spf-multiple", lambda w, d, p, r: send_p(
        w, d, p, r, extra=['{d}. TXT "v=spf1 ip4:192.0.2.1 -all"'])),
    ("broken-include", 2, "unprotected", "spf-include-broken", lambda w, d, p, r: send_p(
        w, d, p, r, spf="v=spf1 %s include:_spf.gone.bulk.test %s" % (" ".join(p.terms), p.all))),
    ("nothing-aligns", 3, "unprotected", "nothing-can-align", lambda w, d, p, r: send_p(
        w, d, p, r, spf=None, keys=False)),
]


def provider_zones(w):
    """the providers' shared records"""
    for name, rec in GOOGLE_SPF.items():
        w.add(ZONE_GOOGLE, "%s. TXT %s" % (name, txt(rec)))
    for _, host, ip4, ip6, tag in GOOGLE_MX:
        w.add(ZONE_GOOGLE, "%s. A %s" % (host, ip4))
        w.add(ZONE_GOOGLE, "%s. AAAA %s" % (host, ip6))
        p4 = "%s-in-f%s.1e100.net" % (tag, ip4.split(".")[-1])
        p6 = "%s-in-x%s.1e100.net" % (tag, ip6.split(":")[-1])
        w.add(ZONE_1E100, "%s. A %s" % (p4, ip4))
        w.add(ZONE_1E100, "%s. AAAA %s" % (p6, ip6))
        w.add(ZONE_REV_GOOGLE4, "%s. PTR %s." % (rev(ip4), p4))
        w.add(ZONE_REV_GOOGLE6, "%s. PTR %s." % (rev(ip6), p6))
    for name, rec in OUTLOOK_SPF.items():
        w.add(ZONE_OUTLOOK, "%s. TXT %s" % (name, txt(rec)))
    for k, ip in enumerate(OUTLOOK_POOL):
        ptr = "mail-eur%02don20%02d.inbound.protection.outlook.com" % (k // 4 + 1, 40 + k)
        w.add(ZONE_OUTLOOK, "%s. A %s" % (ptr, ip))
        w.add(ZONE_REV_OUTLOOK, "%s. PTR %s." % (rev(ip), ptr))
    w.add(ZONE_ONMS, 'onmicrosoft.com. TXT "v=spf1 -all"')
    for name, rec in SENDGRID_SPF.items():
        w.add(ZONE_SENDGRID, "%s. TXT %s" % (name, txt(rec)))
    for name, rec in MCSV_SPF.items():
        w.add(ZONE_MCSV, "%s. TXT %s" % (name, txt(rec)))
    w.add("bulk.test", "ns.bulk.test. A 192.0.2.53")
    w.add("bulk.test", "co.bulk.test. NS ns.bulk.test.")
    for rr in big_chain():
        w.add("bulk.test", rr.split(" ", 1)[0] + ".bulk.test. " + rr.split(" ", 1)[1])


def pick(rng, table, weight=1):
    total = sum(x[weight] for x in table)
    k = rng.randrange(total)
    for x in table:
        if k < x[weight]:
            return x
        k -= x[weight]
    raise AssertionError


def world_providers(n, out, lame):
    rng = random.Random(61)
    os.makedirs(out, exist_ok=True)
    w = World()
    provider_zones(w)
    domains, wave1 = [], []
    mix = {}
    for i in range(n):
        d = "d%06d.%s" % (i, "co.bulk.test" if rng.random() < 0.25 else "bulk.test")
        name, _, verdict, finding, build = pick(rng, POSTURES_P)
        if name == "protected-nomail":
            p = Prov("parked")
        else:
            p = pick(rng, PROVIDERS)[2](w, d, rng)
        spf = build(w, d, p, rng)
        mix[p.name] = mix.get(p.name, 0) + 1
        domains.append((d, verdict, finding or "-"))
        targets = [h for _, h in p.mx]
        for t in (spf or "").split():
            for pre in ("include:", "redirect="):
                if t.startswith(pre):
                    targets.append(t[len(pre):])
        hosts = "." if p.name == "parked" else ",".join(p.own_hosts) or "-"
        wave1.append((d, ",".join(derived(targets)), hosts))
    w.zones.pop("shared-keys", None)
    for i in range(lame):
        domains.append(("l%05d.lame.invalid" % i, "unknown", "dns-error"))
    zones = ["test", "bulk.test", "co.bulk.test", ZONE_GOOGLE, ZONE_1E100, ZONE_OUTLOOK, ZONE_ONMS,
             ZONE_SENDGRID, ZONE_MCSV, ZONE_REV_GOOGLE4, ZONE_REV_GOOGLE6, ZONE_REV_OUTLOOK, ZONE_REV_SELF]
    for z in zones:
        with open(os.path.join(out, z + ".zone"), "w") as f:
            f.write("$ORIGIN %s.\n$TTL 3600\n@ SOA ns.bulk.test. hostmaster.bulk.test. 1 7200 900 1209600 300\n"
                    "@ NS ns.bulk.test.\n" % z)
            if z == "test":
                f.write("bulk NS ns.bulk.test.\n")
            f.write("".join(rr + "\n" for rr in w.zones.get(z, [])))
    with open(os.path.join(out, "stubs.txt"), "w") as f:
        f.write("".join(z + "\n" for z in zones))
    with open(os.path.join(out, "psl.dat"), "w") as f:
        f.write("// the bench world's public suffixes (gen.py --world providers)\ntest\nbulk.test\nco.bulk.test\n")
    rng.shuffle(domains)
    with open(os.path.join(out, "domains.txt"), "w") as f:
        f.write("".join(d + "\n" for d, _, _ in domains))
    with open(os.path.join(out, "expected.tsv"), "w") as f:
        f.write("".join("%s\t%s\t%s\n" % x for x in domains))
    with open(os.path.join(out, "wave1.tsv"), "w") as f:
        f.write("".join("%s\t%s\t%s\n" % x for x in wave1))
    sys.stderr.write("gen.py: providers world: %s\n" % ", ".join(
        "%s %.1f%%" % (k, 100.0 * v / max(n, 1)) for k, v in sorted(mix.items())))


if __name__ == "__main__":
    main()
