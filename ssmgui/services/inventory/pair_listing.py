"""One (profile, region) listed: SSM pages on the critical path, EC2 lookups pipelined behind.

The pair's critical path is its chain of SSM pages (each request needs the previous page's
NextToken) plus the EC2 lookup of the last page. So:

- an SSM answer is handled at once: its NextToken goes into the next request before
  anything else is done with the page;
- each page's EC2 lookup is sent as soon as the pair's EC2 connection is free (`HttpPairCalls`
  serve calls of one kind in order), not when the previous lookup has been processed;
- processing an EC2 answer (details, then the page's `Instance`s) waits
  its turn in the refresh's `LowPriorityLane`, behind the SSM answers of every pair: the
  answer arrives in that turn (`HttpPairCalls`), and the page is built in the same step.

Instances are built page by page as EC2 answers come in, so that little is left for the end
of the listing, when every pair finishes at about the same time. Nodes EC2 does not name an
account for (hybrid `mi-` nodes) take the account most EC2 instances of the pair seen so far
belong to: DescribeInstances shows the caller's own account, so that is the pair's account.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ssmgui.core.errors import ServiceFaultError, SsmGuiError
from ssmgui.core.instance import Instance
from ssmgui.services.inventory.calls import HttpPairCalls
from ssmgui.services.inventory.errors import inventory_error
from ssmgui.services.inventory.low_priority import LowPriorityLane
from ssmgui.services.inventory.records import Ec2Details, instance_from
from ssmgui.services.inventory.retries import RetryPolicy

Answer = TypeVar("Answer")

SSM_ACTION = "ssm:DescribeInstanceInformation"
EC2_ACTION = "ec2:DescribeInstances"
SSM_PAGE_SIZE = 50  # the API's maximum


@dataclass(frozen=True)
class PairOutcome:
    """Every instance (in SSM's order), and the EC2 error if names could not be looked up."""

    instances: tuple[Instance, ...]
    ec2_error: SsmGuiError | None


@dataclass
class _Page:
    """One SSM page: its entries, EC2's details of them, and what was built from both."""

    infos: list[Mapping[str, Any]]
    details: dict[str, Ec2Details] = field(default_factory=dict)
    instances: list[Instance] | None = None


class PairListing:
    """The calls for one (profile, region); see the module docstring. `run()` once."""

    def __init__(
        self,
        calls: HttpPairCalls,
        profile: str,
        region: str,
        *,
        retry: RetryPolicy,
        rng: random.Random,
        lane: LowPriorityLane,
    ) -> None:
        self._calls = calls
        self.profile, self.region = profile, region
        self._retry, self._rng = retry, rng
        self._lane = lane
        self._pages: list[_Page] = []
        self._accounts: Counter[str] = Counter()
        self.pages = 0

    async def sign_in(self) -> None:
        """The profile's credentials, taken before `run()`; their errors are retried and
        translated as the calls' are (a profile whose MFA code is awaited waits here)."""
        await self._call(SSM_ACTION, self._calls.sign_in, {})

    async def run(self) -> PairOutcome:
        lookups: list[asyncio.Future[None]] = []
        try:
            await self._ssm_pages(lookups)
        except BaseException:
            for lookup in lookups:
                lookup.cancel()
            await asyncio.gather(*lookups, return_exceptions=True)
            raise
        ec2_error = await self._collect(lookups)
        return self._finish(ec2_error)

    async def _ssm_pages(self, lookups: list[asyncio.Future[None]]) -> None:
        token = ""
        seen: set[str] = set()
        while True:
            params: dict[str, Any] = {"MaxResults": SSM_PAGE_SIZE}
            if token:
                params["NextToken"] = token
            answer = await self._call(SSM_ACTION, self._calls.describe_instance_information, params)
            self.pages += 1
            page = _Page(list(answer.get("InstanceInformationList", ())))
            self._pages.append(page)
            ids = [str(i["InstanceId"]) for i in page.infos]
            ids = [i for i in ids if i.startswith("i-")]
            if ids:  # starts when this step yields: after the next SSM request is sent
                lookups.append(asyncio.ensure_future(self._ec2_lookup(page, ids)))
            token = str(answer.get("NextToken") or "")
            if not token:
                return
            self._check_new(token, seen, SSM_ACTION)

    async def _ec2_lookup(self, page: _Page, ids: list[str]) -> None:
        # A filter, not InstanceIds: an id EC2 no longer knows is skipped rather than failing
        # the whole call with InvalidInstanceID.NotFound.
        params: dict[str, Any] = {"Filters": [{"Name": "instance-id", "Values": ids}]}
        seen: set[str] = set()
        while True:
            answer = await self._call(EC2_ACTION, self._calls.describe_instances, params)
            page.details.update(answer.details)
            if not answer.next_token:
                break
            self._check_new(answer.next_token, seen, EC2_ACTION)
            params = {**params, "NextToken": answer.next_token}
        # Still the low-priority turn the answer came in (HttpPairCalls): building the page is
        # part of the same bounded step as parsing it.
        self._accounts.update(d.account for d in page.details.values() if d.account)
        if self._accounts:  # else built at the end, when the account may be known
            self._build(page, self._accounts.most_common(1)[0][0])

    def _check_new(self, token: str, seen: set[str], action: str) -> None:
        """A page token handed out twice would page forever: stop, as botocore's
        paginator does ("The same next token was received twice")."""
        if token in seen:
            raise ServiceFaultError(
                f"AWS answered {action} for profile '{self.profile}' in {self.region} with "
                "the same page token twice, so the listing stopped there. Refresh later; if "
                "it happens again, the endpoint in use is not behaving as AWS does."
            )
        seen.add(token)

    def _build(self, page: _Page, account: str) -> None:
        page.instances = [
            instance_from(
                info,
                page.details.get(info["InstanceId"]),
                profile=self.profile,
                region=self.region,
                account=account,
            )
            for info in page.infos
        ]
        # Built: let the answers go now rather than at the end of the pair, before they
        # live long enough to reach the collector's old generation.
        page.infos, page.details = [], {}

    async def _collect(self, lookups: list[asyncio.Future[None]]) -> SsmGuiError | None:
        error: SsmGuiError | None = None
        for outcome in await asyncio.gather(*lookups, return_exceptions=True):
            if isinstance(outcome, SsmGuiError):
                error = error or outcome
            elif isinstance(outcome, BaseException):
                raise outcome
        return error

    def _finish(self, ec2_error: SsmGuiError | None) -> PairOutcome:
        """The pages in order; those not built yet (no EC2 answer) built now."""
        account = self._accounts.most_common(1)[0][0] if self._accounts else ""
        instances: list[Instance] = []
        for page in self._pages:
            if page.instances is None:
                self._build(page, account)
            assert page.instances is not None
            instances += page.instances
        return PairOutcome(tuple(instances), ec2_error)

    async def _call(
        self,
        action: str,
        method: Callable[[Mapping[str, Any]], Awaitable[Answer]],
        params: dict[str, Any],
    ) -> Answer:
        """`await method(params)`; retried as botocore's standard mode would; errors
        translated."""
        attempt = 1
        while True:
            try:
                return await method(params)
            except Exception as exc:
                delay = self._retry.delay_after(action, exc, attempt, self._rng)
                if delay is None:
                    raise inventory_error(exc, self.profile, self.region, action) from None
            await asyncio.sleep(delay)
            attempt += 1
