"""Service-managed StackSets as AWS runs them for an organization (#20).

T1. ``AWS::CloudFormation::StackSet`` in a template.
AWS doc: CloudFormation Template Reference, "AWS::CloudFormation::StackSet" (StackSetName,
PermissionModel, AutoDeployment, Capabilities, Parameters, StackInstancesGroup of
DeploymentTargets and Regions, TemplateBody or TemplateURL; Ref returns the StackSet's id).
moto 5.2.5 (moto/cloudformation/parsing.py) has no such resource type: CreateStack answers
CREATE_COMPLETE with nothing behind it.

T2. Deployment targets: OUs, with their child OUs at any depth, and an account filter.
AWS doc: CloudFormation API Reference, "DeploymentTargets" (``OrganizationalUnitIds``: "the
organization root ID or organizational unit (OU) IDs"; a stack set deploys to the accounts of
the OUs and of their child OUs; ``AccountFilterType`` DIFFERENCE leaves the listed ``Accounts``
out, INTERSECTION keeps only them, UNION adds them) and User Guide, "Create a stack set with
service-managed permissions" (StackSets does not deploy to the management account).
moto 5.2.5 (moto/cloudformation/models.py StackInstances.create_instances) looks one level of
child OUs deep and ignores AccountFilterType.

T3. Automatic deployment.
AWS doc: CloudFormation User Guide, "Enable or disable automatic deployments for StackSets in
AWS Organizations" ("StackSets automatically deploys additional stacks to new accounts that are
added to the target organization or organizational units (OUs) in the future ... If an account
is removed from a target OU, StackSets deletes the stack instances from the account", unless
RetainStacksOnAccountRemoval). moto 5.2.5 records no AutoDeployment and does nothing when an
account is created in, or moved into or out of, a target OU (Organizations CreateAccount,
MoveAccount). Both now deploy or remove the stack instances, at once (AWS does it within
minutes).

Stack instances are moto's own (StackInstance: a stack in the target account and Region that its
CloudFormation API does not list, as moto does for service-managed StackSets): their resources
are created there, and ListStackInstances in the administrator's account names them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

LOG = logging.getLogger("irmoto.stack_sets")


@dataclass
class AutoDeployment:
    """What T2 and T3 need that moto does not keep."""

    ous: list[str]
    accounts: list[str]
    filter_type: str
    regions: list[str]
    parameters: list[dict[str, str]] = field(default_factory=list)
    enabled: bool = True
    retain: bool = False


_AUTO: dict[str, AutoDeployment] = {}  # by StackSet id


def _org(management: str) -> Any:
    from moto.organizations.models import organizations_backends

    return organizations_backends[management]["aws"]


def _ancestors(org: Any, parent_id: str) -> list[str]:
    """The parent and every OU above it, up to the root."""
    out, seen = [], set()
    while parent_id and parent_id not in seen:
        seen.add(parent_id)
        out.append(parent_id)
        ou = next((o for o in org.ou if o.id == parent_id), None)
        parent_id = getattr(ou, "parent_id", None) if ou is not None else None
    return out


def targeted(org: Any, account: Any, auto: AutoDeployment) -> bool:
    """Whether ACCOUNT (an Organizations account) is one the deployment targets name (T2)."""
    if account.id == org.account_id or getattr(account, "status", "ACTIVE") != "ACTIVE":
        return False  # never the management account
    in_ous = bool(set(_ancestors(org, account.parent_id)) & set(auto.ous))
    listed = account.id in auto.accounts
    return {"DIFFERENCE": in_ous and not listed, "INTERSECTION": in_ous and listed,
            "UNION": in_ous or listed}.get(auto.filter_type, in_ous)


def _instance(stack_set: Any, auto: AutoDeployment, account: str, region: str) -> None:
    from moto.cloudformation.models import StackInstance

    if stack_set.instances.get_instance(account, region) is not None:
        return
    instance = StackInstance(account_id=account, region_name=region, stackset_id=stack_set.id,
                             stack_name=stack_set.instances.stack_name, name=stack_set.name,
                             template=stack_set.template, parameters=auto.parameters or stack_set.parameters,
                             permission_model="SERVICE_MANAGED")
    stack_set.instances.stack_instances.append(instance)
    stack_set.stack_instances = stack_set.instances.stack_instances


def deploy(stack_set: Any, auto: AutoDeployment, management: str) -> list[tuple[str, str]]:
    """Stack instances for every targeted account and Region that has none; answers them."""
    org = _org(management)
    made = []
    for account in list(org.accounts):
        if targeted(org, account, auto):
            for region in auto.regions:
                if stack_set.instances.get_instance(account.id, region) is None:
                    _instance(stack_set, auto, account.id, region)
                    made.append((account.id, region))
    return made


def _stack_sets(management: str) -> list[tuple[Any, AutoDeployment]]:
    from moto.cloudformation.models import cloudformation_backends

    out = []
    for backend in list(cloudformation_backends[management].values()):
        for stack_set in list(backend.stacksets.values()):
            auto = _AUTO.get(stack_set.id)
            if auto is not None and auto.enabled and stack_set.status != "DELETED":
                out.append((stack_set, auto))
    return out


def reconcile(management: str, account_id: str) -> None:
    """T3: ACCOUNT_ID joined or left a target: deploy its stack instances, or remove them."""
    org = _org(management)
    account = next((a for a in org.accounts if a.id == account_id), None)
    for stack_set, auto in _stack_sets(management):
        if account is not None and targeted(org, account, auto):
            for region in auto.regions:
                try:
                    _instance(stack_set, auto, account_id, region)
                except Exception:  # AWS marks the instance FAILED; the move itself succeeds
                    LOG.exception("irmoto: auto-deployment of %s to %s %s failed", stack_set.name, account_id, region)
        elif not auto.retain:
            present = [i.region_name for i in stack_set.instances.stack_instances if i.account_id == account_id]
            if present:
                stack_set.instances.delete([account_id], present)


def patch_organizations_auto_deployment() -> None:
    """T3: CreateAccount and MoveAccount deploy or remove the stack instances of StackSets with
    automatic deployment."""
    from moto.organizations.models import OrganizationsBackend

    create = OrganizationsBackend.create_account
    move = OrganizationsBackend.move_account

    def create_account(self: Any, **kwargs: Any) -> Any:
        status = create(self, **kwargs)
        reconcile(self.account_id, status["CreateAccountStatus"]["AccountId"])
        return status

    def move_account(self: Any, **kwargs: Any) -> Any:
        out = move(self, **kwargs)
        reconcile(self.account_id, kwargs["AccountId"])
        return out

    OrganizationsBackend.create_account = create_account  # type: ignore[method-assign]
    OrganizationsBackend.move_account = move_account  # type: ignore[method-assign]


def _model() -> type:
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
    from moto.cloudformation.models import cloudformation_backends
    from moto.cloudformation.utils import get_stack_from_s3_url
    from moto.core.common_models import CloudFormationModel

    class StackSetResource(CloudFormationModel):
        def __init__(self, stack_set_id: str, name: str, account_id: str, region_name: str):
            self.stack_set_id, self.name = stack_set_id, name
            self.account_id, self.region_name = account_id, region_name

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::CloudFormation::StackSet"

        @staticmethod
        def cloudformation_name_type() -> str:
            return "StackSetName"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "StackSetId"

        @property
        def physical_resource_id(self) -> str:
            return self.stack_set_id

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            if attribute_name == "StackSetId":
                return self.stack_set_id
            raise UnformattedGetAttTemplateException()

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def,override]
            props = cloudformation_json["Properties"]
            if props.get("PermissionModel") != "SERVICE_MANAGED":
                raise ValueError("irmoto: only SERVICE_MANAGED StackSets are emulated")
            template = props.get("TemplateBody")
            if template is None:
                template = get_stack_from_s3_url(props["TemplateURL"], account_id=account_id, partition="aws")
            elif not isinstance(template, str):
                template = json.dumps(template)
            parameters = [{"ParameterKey": p["ParameterKey"], "ParameterValue": str(p["ParameterValue"])}
                          for p in props.get("Parameters") or []]
            backend = cloudformation_backends[account_id][region_name]
            stack_set = backend.create_stack_set(
                name=props.get("StackSetName") or resource_name, template=template,
                parameters={p["ParameterKey"]: p["ParameterValue"] for p in parameters},
                tags={t["Key"]: t["Value"] for t in props.get("Tags") or []},
                permission_model="SERVICE_MANAGED", admin_role=None, exec_role=None,
                description=props.get("Description"))
            group = (props.get("StackInstancesGroup") or [{}])
            if len(group) != 1:
                raise ValueError("irmoto: one StackInstancesGroup is emulated")
            targets = group[0].get("DeploymentTargets") or {}
            auto_props = props.get("AutoDeployment") or {}
            auto = AutoDeployment(ous=list(targets.get("OrganizationalUnitIds") or []),
                                  accounts=list(targets.get("Accounts") or []),
                                  filter_type=targets.get("AccountFilterType") or "NONE",
                                  regions=list(group[0].get("Regions") or []), parameters=parameters,
                                  enabled=str(auto_props.get("Enabled", False)).lower() == "true",
                                  retain=str(auto_props.get("RetainStacksOnAccountRemoval", False)).lower() == "true")
            _AUTO[stack_set.id] = auto
            deploy(stack_set, auto, account_id)
            return cls(stack_set.id, stack_set.name, account_id, region_name)

        @classmethod
        def update_from_cloudformation_json(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        ):  # type: ignore[no-untyped-def,override]
            original_resource.delete(account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

        def delete(self, account_id: str, region_name: str) -> None:
            backend = cloudformation_backends[self.account_id][self.region_name]
            stack_set = backend.stacksets.get(self.stack_set_id)
            if stack_set is None:
                return
            for instance in list(stack_set.instances.stack_instances):
                stack_set.instances.delete([instance.account_id], [instance.region_name])
            stack_set.stack_instances = stack_set.instances.stack_instances
            _AUTO.pop(self.stack_set_id, None)
            backend.delete_stack_set(self.stack_set_id)

    return StackSetResource


def patch_cfn_stack_set() -> None:
    """T1, T2: AWS::CloudFormation::StackSet deploys its stack instances."""
    from moto.cloudformation import parsing

    from .stacks import STACK_MODELS

    if not any(m.cloudformation_type() == "AWS::CloudFormation::StackSet" for m in STACK_MODELS):
        STACK_MODELS.append(_model())
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    if "AWS::CloudFormation::StackSet" not in parsing.get_model_map():
        raise RuntimeError("irmoto: AWS::CloudFormation::StackSet not registered")


STACK_SET_EXTENSIONS = [patch_cfn_stack_set, patch_organizations_auto_deployment]
