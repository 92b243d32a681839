"""The demo's Windows key pair: what its Windows instances' passwords are encrypted for.

EC2Launch encrypts a new Windows instance's Administrator password with the public half of
the key pair it was launched with (RSA, PKCS#1 v1.5) and GetPasswordData returns that,
base64-encoded. The demo ships the private half here (it protects nothing: every demo
instance is a fake on loopback) and the desktop world writes it to a file a newcomer can
choose in "Get Windows password…".
"""

from __future__ import annotations

import base64
import functools

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

DEMO_KEY_NAME = "demo-windows"
DEMO_KEY_FILE_NAME = "demo-windows.pem"

DEMO_WINDOWS_KEY_PEM = """\
-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEAqRWyuMpB2fcpGnyEGsQ4asTUnoHgzwqPwSJGvAvW2l39GNmv
AviGoFxZEGCoCR6HqGdsPpZpDaCihi5hZyDPQhWcTgDnHJr7mTRZAlOmcN+H3yHJ
hVB6Hcb9LCGYIhW0pyVXxnSzv5wd56Jp251vFgBBss+kyJIM4UHEFCQw9OdpAwmL
MOnXB4cSj5n51cUgl98HPyYPEwny1TBdK4v4erjb/qm4/mGZSyp0hUyf8Qi14T0W
llua7JnM+5+qAMrAXCNaMDXSJVzQgXEsBwBUEuRZCdP1sAt26L77SXgOY1+7TSqC
B5FzsSO4gPlWDZb5AQz1rnf/dw4Le0ZxBwSf2QIDAQABAoIBACwpuDAO1+tT5J7/
5ctN9ARjG7u45Zx+QDTsPHhySTBo+ynp9Y27lwI8jKC79jfHixw/wySHybGfAsQ0
SgmTJr82gMhY8QRmMI///b2fVqpFoCn2G7of3n13k3na3m8Mp04+8TGrGqXR43e0
UpzjfnfLIl3PYVVn3EhbkpjGKSlV+UR74F2gP6R+ALyk6jG4hD6a5jke42vLeuIM
snDiuZ7Cq0Tal2V8/x1xUF/HL/6wvqwAxvRl3KvSKRassqfXBCbFqtJ8B6sEDtZH
MdJR41CXurjQEpEiGkNLcQDMntfAwvyZuyF6S29bKuqD/KTjU19Pcfv3aBEb9D4l
yK4sjj8CgYEA0wK2RR7Anapmm+7uPRBF6zCULhorZYmleKYrvb8/BaGTXik48bW1
yPE6AZ6Y50UGP/AiNzyQCXZj2vl1c/kSeEwH2itFqx+HLs0sVWkNq6Mx6MY7fkNm
+MCSWT5sEfEKzDw9WRUtxbbPh/H1ek28f4AFZbphE9+qMP4V8JHoPicCgYEAzSKb
x66u4ICZVmGnXYaPqugb6cCPH9qhyr+NyW6C8fk6o1tNKm/18k8AGjqZ6WI3P4AQ
nwKAwKS7cGgt4pm/9Cp91pgaG5D0SPnVbwU0Zm5CuVuzCWL009xW89S4IuBlFvJo
E0uybclqXz1HCTGF1nrknzlstjUnozZOxEf08f8CgYEAgjfeO/GqdKJACGL+6vgr
7eRgzcKgnVzAnSAPRl3LirIXu7g8yA2XTZZwcadqPO6/2J1cwDHDwdMp9GyWKye+
WjaxcdXafKxMRHmhrmPSZ+WiW0BaXqVB2qkcp656Cuhx/W//fAYx5R3YHNEY6I0o
kpZyvkCywAz7fpiO+ZNRe2kCgYEAydBuqjk1WzGpqc5RNjYYSfAo5gPHy3LxEeL6
v121/hFQmz5L4KBdu5H1a9iTa4RxDkwUDhwMR3rJ3YDhA7p3muPjAaiKpuwpKVKB
pMPeFZgMlQeeUHHGpFh2Q1TYA5f4XGcH9VPXqyMpP6GtrWHHZodpPSzlwyzwXiYj
v/97AEkCgYAUc8wSHiFtM0MPAmTHobfZPpC4aONYPTnzsLCeSUgAxCqUCdKwf4Wi
mmYfak3EVcT1LXfs3bDSe7ZvPhqDyEPqtAh1hE+hLm/97aL+CHBeL0edlIp9wr8Q
OE+kl8o547uP1YxeH21lbtoFBsDXT15rj77KBdT7xgK8D8QaIPUOeQ==
-----END RSA PRIVATE KEY-----
"""


@functools.cache
def _public_key() -> rsa.RSAPublicKey:
    key = serialization.load_pem_private_key(DEMO_WINDOWS_KEY_PEM.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key.public_key()


def encrypted_password(password: str) -> str:
    """`password` as GetPasswordData returns it for an instance of the demo key pair."""
    ciphertext = _public_key().encrypt(password.encode(), padding.PKCS1v15())
    return base64.b64encode(ciphertext).decode("ascii")
