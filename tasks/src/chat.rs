//! The optional chat notification: a Slack-compatible incoming webhook (`{"text": …}`, which
//! Slack, Mattermost, Rocket.Chat and Teams' Slack-compatible connectors accept).
//!
//! The URL is a secret (anyone holding it can post): it lives in an SSM SecureString the
//! deployer creates under `/incident-response/` (SSM reserves names starting with `aws`), and
//! the stack only names the parameter. It is read on each notification, so rotating it needs no
//! deploy. A chat that is down never fails the notification: SNS has delivered already, and the
//! outcome is recorded.

use crate::error::TaskError;
use aws_sdk_ssm::error::ProvideErrorMetadata;
use http_body_util::Full;
use hyper::body::Bytes;
use serde_json::json;
use std::time::Duration;

/// The message: the notification's subject in bold, then its body. Both carry text an attacker
/// may have written (a finding's title, a tag, a resource name), so Slack's control characters
/// are escaped as Slack documents ("Formatting text for app surfaces": `&`, `<`, `>`): a
/// `<!channel>` or a `<https://evil|your console>` link arrives as plain text, never as a
/// mention or a link in the responders' trusted channel.
pub fn message(subject: &str, body: &str) -> serde_json::Value {
    json!({ "text": format!("*{}*\n{}", escape(subject), escape(body)) })
}

/// Slack's escaping of `&`, `<` and `>`.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A webhook URL we will post to: HTTPS, or plain HTTP to a loopback receiver (local tests).
pub fn check_url(url: &str) -> Result<(), String> {
    let uri: hyper::Uri = url
        .parse()
        .map_err(|e| format!("the webhook URL is not a URL ({e})"))?;
    let host = uri.host().unwrap_or_default();
    match uri.scheme_str() {
        Some("https") if !host.is_empty() => Ok(()),
        Some("http") if matches!(host, "127.0.0.1" | "localhost" | "[::1]") => Ok(()),
        _ => Err("the webhook URL must be https:// (http:// only to a loopback receiver)".into()),
    }
}

/// The webhook URL from the SecureString `parameter`.
pub async fn webhook_url(ssm: &aws_sdk_ssm::Client, parameter: &str) -> Result<String, TaskError> {
    match ssm
        .get_parameter()
        .name(parameter)
        .with_decryption(true)
        .send()
        .await
    {
        Ok(got) => Ok(got
            .parameter()
            .and_then(|p| p.value())
            .unwrap_or_default()
            .trim()
            .to_string()),
        Err(e) if e.code() == Some("ParameterNotFound") => Err(TaskError::new(
            contract::ErrorName::Misconfigured,
            format!("SSM parameter {parameter} (ChatWebhookParameter) does not exist: create it as a SecureString holding the webhook URL"),
        )),
        Err(e) => Err(TaskError::from_sdk(e, &format!("read SSM parameter {parameter}"))),
    }
}

/// An HTTP(S) client on the same hyper, rustls (aws-lc) and native roots as the SDK's.
pub fn https_client<B>() -> Result<
    hyper_util::client::legacy::Client<
        hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
        B,
    >,
    String,
>
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
{
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
        .map_err(|e| format!("no TLS roots: {e}"))?
        .https_or_http()
        .enable_http1()
        .build();
    Ok(
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build::<_, B>(https),
    )
}

/// POSTs `payload` to `url`; the HTTP status, or why there is none.
pub async fn post(url: &str, payload: &serde_json::Value) -> Result<u16, String> {
    check_url(url)?;
    let client = https_client::<Full<Bytes>>()?;
    let request = hyper::Request::post(url)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(payload.to_string())))
        .map_err(|e| format!("request: {e}"))?;
    match tokio::time::timeout(Duration::from_secs(10), client.request(request)).await {
        Ok(Ok(response)) => Ok(response.status().as_u16()),
        Ok(Err(e)) => Err(format!("no answer: {e}")),
        Err(_) => Err("no answer within 10 s".into()),
    }
}

/// Posts the notification to the chat named by `parameter` (empty: no chat); one line for the
/// record.
pub async fn notify(
    ssm: &aws_sdk_ssm::Client,
    parameter: &str,
    subject: &str,
    body: &str,
) -> Option<String> {
    if parameter.is_empty() {
        return None;
    }
    let url = match webhook_url(ssm, parameter).await {
        Ok(url) => url,
        Err(e) => return Some(format!("chat not notified: {e}")),
    };
    Some(match post(&url, &message(subject, body)).await {
        Ok(status) if (200..300).contains(&status) => format!("chat notified (HTTP {status})"),
        Ok(status) => format!(
            "chat not notified: the webhook answered HTTP {status}; check the URL in {parameter}"
        ),
        Err(e) => format!("chat not notified: {e}; check the URL in {parameter}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_a_loopback_receiver() {
        assert!(check_url("https://hooks.slack.com/services/T/B/X").is_ok());
        assert!(check_url("http://127.0.0.1:8080/hook").is_ok());
        assert!(check_url("http://hooks.example.com/hook").is_err());
        assert!(check_url("hooks.slack.com").is_err());
    }

    #[test]
    fn nothing_a_finding_says_becomes_a_mention_or_a_link() {
        let m = message(
            "case <!channel>",
            "title: <https://evil.example|AWS console> & <@U123>",
        );
        let text = m["text"].as_str().unwrap();
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        assert!(text.contains("&lt;!channel&gt;"), "{text}");
        assert!(text.contains("&amp;"), "{text}");
    }

    #[test]
    fn the_message_is_slack_compatible() {
        assert_eq!(
            message("[aws-ir] HIGH", "line"),
            json!({"text": "*[aws-ir] HIGH*\nline"})
        );
    }
}
