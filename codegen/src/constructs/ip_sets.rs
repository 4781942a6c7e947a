//! The WAF IP sets of blocked addresses: one per address family (a set holds one) and scope,
//! written only by the block steps and the expiry. Users reference them from their web ACLs.

use crate::cfn::{equals, get_att, ref_, sub, Output, Parameter, Resource, Template};
use contract::tasks::ip::{StackIpSet, WafScope, STACK_IP_SETS};
use serde_json::json;

const CLOUDFRONT_SETS: &str = "CloudFrontIpSets";

/// The sets start empty and are written by the block tasks (and the expiry), never by the
/// template again: CloudFormation only rewrites `Addresses` when the template changes it.
/// Users reference them from their web ACLs' rules (the outputs give the ARNs).
pub fn add(t: &mut Template) {
    t.parameter(
        CLOUDFRONT_SETS,
        Parameter::string("enabled: also keep CLOUDFRONT-scope IP sets (the stack must be in us-east-1, where CloudFront's scope lives).")
            .default(json!("disabled"))
            .allowed(&[json!("enabled"), json!("disabled")]),
    );
    t.condition(
        CLOUDFRONT_SETS,
        json!({"Fn::And": [
            equals(ref_(CLOUDFRONT_SETS), json!("enabled")),
            equals(ref_("AWS::Region"), json!("us-east-1")),
        ]}),
    );
    // One per address family (an IP set holds one) and scope; CloudFront's scope exists only
    // in us-east-1.
    for (family, scope) in STACK_IP_SETS {
        let id = &StackIpSet::logical_id(family, scope);
        let (version, scope) = (family.waf_version(), scope.as_str());
        let family = version.to_ascii_lowercase();
        let suffix = if scope == "CLOUDFRONT" {
            "-cloudfront"
        } else {
            ""
        };
        let set = Resource::new(
            "AWS::WAFv2::IPSet",
            json!({
                "Name": sub(&format!("${{AWS::StackName}}-blocked-{family}{suffix}")),
                "Description": format!("Addresses aws-ir blocks, {version} {scope}, written by its tasks, each with an expiry."),
                "Scope": scope,
                "IPAddressVersion": version,
                "Addresses": [],
            }),
        );
        let mut output = Output::new(
            &format!("WAF IP set of blocked {version} addresses ({scope}): reference it from a web ACL rule that blocks."),
            get_att(id, "Arn"),
        );
        if scope == "CLOUDFRONT" {
            t.add(id, set.condition(CLOUDFRONT_SETS));
            output.condition = Some(CLOUDFRONT_SETS.to_string());
        } else {
            t.add(id, set);
        }
        t.output(&format!("{id}Arn"), output);
    }
}

/// A set's value in `DefinitionSubstitutions` (`name|id|scope`; "" for a CloudFront set that is
/// off), by its logical id.
pub fn substitution(var: &str) -> Option<serde_json::Value> {
    STACK_IP_SETS
        .iter()
        .find(|(family, scope)| StackIpSet::logical_id(*family, *scope) == var)
        .map(|(_, scope)| match scope {
            WafScope::Cloudfront => crate::cfn::if_(CLOUDFRONT_SETS, ref_(var), json!("")),
            WafScope::Regional => ref_(var),
        })
}
