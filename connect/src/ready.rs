//! The SDK's HTTP client, with connections that can be opened before the first request.
//!
//! A Lambda's first AWS call after a cold start pays for the connection: building the TLS
//! configuration (the system's root certificates), TCP, and the TLS handshake. That is most of
//! the first-call penalty #19 measures (about 900 ms for one client, published). The SDK opens
//! nothing until a request, and its client builds its connector lazily, so the task Lambdas call
//! [`preconnect`] while they start: the connector the SDK will use is made now and a `HEAD /`
//! to each service endpoint the task calls leaves an open, pooled connection behind, which the
//! first request takes. `HEAD /` carries no credentials and names no operation: AWS answers it
//! with an error and nothing runs.
//!
//! Why a client of our own: the SDK's (`aws_smithy_http_client`) keeps one connector per
//! timeout setting in a private cache that only a request reaches. This one keeps the same cache
//! where [`preconnect`] reaches it too, and builds each connector exactly as [`crate::http_client`]
//! did (rustls with aws-lc, the environment's proxy).

use aws_config::SdkConfig;
use aws_smithy_async::rt::sleep::SharedAsyncSleep;
use aws_smithy_http_client::{proxy::ProxyConfig, tls, Connector};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

type Key = (Option<Duration>, Option<Duration>);

/// One per process (see [`ready_client`]): what the SDK's requests and [`preconnect`] share.
#[derive(Debug, Default, Clone)]
pub struct ReadyHttpClient {
    connectors: Arc<RwLock<HashMap<Key, SharedHttpConnector>>>,
}

impl ReadyHttpClient {
    /// The connector for `settings`, made once (the SDK asks per request).
    fn connector(
        &self,
        settings: &HttpConnectorSettings,
        sleep: Option<SharedAsyncSleep>,
    ) -> SharedHttpConnector {
        let key = (settings.connect_timeout(), settings.read_timeout());
        if let Some(c) = self
            .connectors
            .read()
            .ok()
            .and_then(|m| m.get(&key).cloned())
        {
            return c;
        }
        let mut connectors = match self.connectors.write() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        connectors
            .entry(key)
            .or_insert_with(|| {
                let mut c = Connector::builder()
                    .proxy_config(ProxyConfig::from_env())
                    .connector_settings(settings.clone());
                if let Some(sleep) = sleep {
                    c = c.sleep_impl(sleep);
                }
                SharedHttpConnector::new(
                    c.tls_provider(tls::Provider::Rustls(
                        tls::rustls_provider::CryptoMode::AwsLc,
                    ))
                    .build(),
                )
            })
            .clone()
    }
}

impl HttpClient for ReadyHttpClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.connector(settings, components.sleep_impl())
    }
}

/// The process's client.
pub fn ready_client() -> &'static ReadyHttpClient {
    static CLIENT: OnceLock<ReadyHttpClient> = OnceLock::new();
    CLIENT.get_or_init(ReadyHttpClient::default)
}

/// The process's client, as the SDK takes it.
pub fn shared() -> SharedHttpClient {
    SharedHttpClient::new(ready_client().clone())
}

/// The connector settings the SDK derives for a request from `config`'s timeouts (the
/// orchestrator's transmit phase does the same), so that [`preconnect`] warms the connector the
/// first request is given.
fn settings_of(config: &SdkConfig) -> HttpConnectorSettings {
    let mut b = HttpConnectorSettings::builder();
    if let Some(t) = config.timeout_config() {
        b.set_connect_timeout(t.connect_timeout());
        b.set_read_timeout(t.read_timeout());
    }
    b.build()
}

/// Opens one pooled connection to each of `endpoints` (base URLs), all at once, through the
/// connector `config`'s clients will use. Returns when every attempt has ended: an endpoint that
/// cannot be reached is left to the first request, which fails or succeeds as it would have.
pub async fn preconnect(config: &SdkConfig, endpoints: &[String]) -> usize {
    let connector = ready_client().connector(&settings_of(config), config.sleep_impl());
    let mut attempts = tokio::task::JoinSet::new();
    for url in endpoints {
        let (connector, url) = (connector.clone(), url.clone());
        attempts.spawn(async move {
            let Ok(mut request) = HttpRequest::get(&url) else {
                return false;
            };
            if request.set_method("HEAD").is_err() {
                return false;
            }
            // Dropping the answer (no body) gives the connection back to the pool.
            connector.call(request).await.is_ok()
        });
    }
    let mut opened = 0;
    while let Some(done) = attempts.join_next().await {
        opened += usize::from(done.unwrap_or(false));
    }
    opened
}
