//! The notification topic: encrypted with the shared encryption key, with an e-mail subscription when the
//! deployer gives an address. Other subscribers (chat, ticketing, a queue) subscribe to the
//! topic ARN in the stack outputs.

use super::{ids, params};
use crate::cfn::{equals, not, ref_, Output, Parameter, Resource, Template};
use serde_json::json;

pub fn add(t: &mut Template, title: &str) {
    t.parameter(
        params::NOTIFICATION_EMAIL,
        Parameter::string("E-mail address subscribed to the notification topic; empty for none.")
            .default(json!(""))
            .pattern("^$|^[^@\\s]+@[^@\\s]+$"),
    );
    t.condition(
        "HasNotificationEmail",
        not(equals(ref_(params::NOTIFICATION_EMAIL), json!(""))),
    );
    t.add(
        ids::TOPIC,
        Resource::new(
            "AWS::SNS::Topic",
            json!({
                "DisplayName": format!("Incident response: {title}"),
                "KmsMasterKeyId": super::key::arn(super::key::SharedKey::Encryption),
            }),
        ),
    );
    // Only TLS connections may publish or subscribe.
    t.add(
        "NotificationTopicPolicy",
        Resource::new(
            "AWS::SNS::TopicPolicy",
            json!({
                "Topics": [ref_(ids::TOPIC)],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": ["sns:Publish", "sns:Subscribe"],
                        "Resource": ref_(ids::TOPIC),
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}}
                    }]
                }
            }),
        ),
    );
    t.add(
        "NotificationEmailSubscription",
        Resource::new(
            "AWS::SNS::Subscription",
            json!({
                "TopicArn": ref_(ids::TOPIC),
                "Protocol": "email",
                "Endpoint": ref_(params::NOTIFICATION_EMAIL),
            }),
        )
        .condition("HasNotificationEmail"),
    );
    t.output(
        "NotificationTopicArn",
        Output::new(
            "Subscribe here to receive this playbook's notifications.",
            ref_(ids::TOPIC),
        ),
    );
}
