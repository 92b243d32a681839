"""The regions offered come from botocore's endpoint data, per partition."""

from __future__ import annotations

import botocore.session

from ssmgui.services.aws.partition_regions import partition_of, region_choices


def test_the_commercial_partition_is_botocores_list() -> None:
    expected = set(botocore.session.get_session().get_available_regions("ssm", "aws"))
    offered = region_choices(["eu-west-1"])
    assert set(offered) == expected and list(offered) == sorted(offered)
    assert region_choices([]) == offered  # no profile names a region: the "aws" partition


def test_china_and_govcloud_profiles_get_their_partition() -> None:
    offered = region_choices(["cn-north-1", "us-gov-west-1"])
    assert "cn-northwest-1" in offered and "us-gov-east-1" in offered
    assert "eu-west-1" not in offered
    assert partition_of("cn-north-1") == "aws-cn"


def test_a_region_botocore_does_not_list_is_still_offered() -> None:
    assert "xx-example-9" in region_choices(["eu-west-1", "xx-example-9"])
