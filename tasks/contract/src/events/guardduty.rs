//! GuardDuty findings ("GuardDuty finding format", GuardDuty User Guide).

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub schema_version: Option<String>,
    pub account_id: String,
    pub region: String,
    pub id: String,
    pub arn: Option<String>,
    #[serde(rename = "type")]
    pub finding_type: String,
    pub severity: f64,
    pub title: Option<String>,
    pub description: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub resource: Resource,
    pub service: Option<Service>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub resource_type: String,
    pub instance_details: Option<InstanceDetails>,
    pub access_key_details: Option<AccessKeyDetails>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceDetails {
    pub instance_id: Option<String>,
    pub iam_instance_profile: Option<IamInstanceProfile>,
    #[serde(default)]
    pub network_interfaces: Vec<NetworkInterface>,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IamInstanceProfile {
    pub arn: Option<String>,
    pub id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkInterface {
    pub network_interface_id: Option<String>,
    pub vpc_id: Option<String>,
    pub subnet_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Tag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessKeyDetails {
    pub access_key_id: Option<String>,
    pub principal_id: Option<String>,
    pub user_name: Option<String>,
    pub user_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    pub action: Option<Action>,
    pub event_first_seen: Option<String>,
    pub event_last_seen: Option<String>,
    pub count: Option<u64>,
    pub archived: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    pub action_type: Option<String>,
    pub network_connection_action: Option<NetworkConnectionAction>,
    pub aws_api_call_action: Option<AwsApiCallAction>,
    pub port_probe_action: Option<PortProbeAction>,
    pub kubernetes_api_call_action: Option<AwsApiCallAction>,
    pub rds_login_attempt_action: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkConnectionAction {
    pub connection_direction: Option<String>,
    pub remote_ip_details: Option<RemoteIpDetails>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsApiCallAction {
    pub api: Option<String>,
    pub service_name: Option<String>,
    pub caller_type: Option<String>,
    pub remote_ip_details: Option<RemoteIpDetails>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortProbeAction {
    #[serde(default)]
    pub port_probe_details: Vec<PortProbeDetail>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortProbeDetail {
    pub remote_ip_details: Option<RemoteIpDetails>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteIpDetails {
    pub ip_address_v4: Option<String>,
    pub ip_address_v6: Option<String>,
    pub country: Option<Country>,
    pub organization: Option<Organization>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Country {
    pub country_code: Option<String>,
    pub country_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub asn: Option<String>,
    pub asn_org: Option<String>,
    pub isp: Option<String>,
    pub org: Option<String>,
}

impl InstanceDetails {
    pub fn tag_map(&self) -> BTreeMap<String, String> {
        self.tags
            .iter()
            .map(|t| (t.key.clone(), t.value.clone()))
            .collect()
    }
}
