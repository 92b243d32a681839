"""AWS's refusals get the right diagnosis, from the answers as AWS words them.

Each answer goes through the listing's own parser (`calls.client_error`, JSON 1.1 and EC2
XML, `__type` values with a `Code:http://…` suffix included) and then the translation a
person reads. A wrong secret key used to be reported as "this computer's clock is wrong",
which would also hide any signing bug; a key AWS does not know as "region not enabled".
"""

from __future__ import annotations

import json

import pytest

from ssmgui.core.errors import CredentialsError, ServiceUnreachableError, SsmGuiError
from ssmgui.services.inventory.calls import client_error
from ssmgui.services.inventory.errors import inventory_error
from ssmgui.services.inventory.http import HttpResponse

SSM = "ssm:DescribeInstanceInformation"
EC2 = "ec2:DescribeInstances"


def json_answer(status: int, kind: str, message: str) -> HttpResponse:
    body = json.dumps({"__type": kind, "message": message}).encode()
    return HttpResponse(status, {"content-type": "application/x-amz-json-1.1"}, body)


def xml_answer(status: int, code: str, message: str) -> HttpResponse:
    body = (
        f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error>"
        "</Errors><RequestID>1</RequestID></Response>"
    ).encode()
    return HttpResponse(status, {"content-type": "text/xml"}, body)


def diagnosis(answer: HttpResponse, action: str) -> SsmGuiError:
    operation = action.split(":")[1]
    return inventory_error(client_error(answer, operation), "prod", "eu-west-1", action)


BAD_SECRET = json_answer(
    400,
    "com.amazon.coral.service#InvalidSignatureException",
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method.",
)


@pytest.mark.parametrize(
    ("answer", "action", "says"),
    [
        (BAD_SECRET, SSM, "secret access key of profile 'prod' does not match"),
        (
            xml_answer(403, "SignatureDoesNotMatch", "The request signature we calculated..."),
            EC2,
            "secret access key of profile 'prod' does not match",
        ),
        (
            json_answer(400, "InvalidSignatureException",
                        "Signature expired: 20261206T090000Z is now earlier than 20261206T091000Z"),
            SSM,
            "clock is wrong",
        ),
        (
            json_answer(400, "InvalidSignatureException",
                        "Signature not yet current: 20261206T100000Z is still later than ..."),
            SSM,
            "clock is wrong",
        ),
        (xml_answer(400, "RequestExpired", "Request has expired."), EC2, "clock is wrong"),
        (
            json_answer(400, "UnrecognizedClientException",
                        "The security token included in the request is invalid."),
            SSM,
            "access key is not valid",
        ),
        (
            xml_answer(401, "InvalidClientTokenId", "The security token ... is invalid."),
            EC2,
            "access key of profile 'prod' is not valid",
        ),
    ],
)  # fmt: skip
def test_each_refusal_gets_its_own_diagnosis(answer: HttpResponse, action: str, says: str) -> None:
    error = diagnosis(answer, action)
    assert isinstance(error, CredentialsError)
    assert says in error.user_message


def test_a_region_that_is_not_enabled_says_so() -> None:
    error = diagnosis(xml_answer(401, "OptInRequired", "You are not subscribed."), EC2)
    assert isinstance(error, ServiceUnreachableError)
    assert "not enabled" in error.user_message and "eu-west-1" in error.user_message


def test_a_bad_signature_is_never_blamed_on_the_clock() -> None:
    assert "clock" not in diagnosis(BAD_SECRET, SSM).user_message
