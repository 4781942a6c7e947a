//! The world end-to-end scenarios run in: the emulated AWS (moto with our harness extensions
//! and `cargo lambda watch`), the generated stacks deployed into it with `irctl`, and helpers to
//! emit events as AWS services do and to read what the playbooks did.
//!
//! [`World::start`] builds the binaries, brings up an emulator of its own (its own state
//! folder, free ports) and [`World`]'s `Drop` tears it down, so no process outlives the suite.

use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub struct World {
    pub root: PathBuf,
    pub bin: PathBuf,
    pub env: BTreeMap<String, String>,
    pub sfn: aws_sdk_sfn::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub sns: aws_sdk_sns::Client,
    pub kms: aws_sdk_kms::Client,
    pub cfn: aws_sdk_cloudformation::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    pub elb: aws_sdk_elasticloadbalancing::Client,
    pub iam: aws_sdk_iam::Client,
    pub events: aws_sdk_eventbridge::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub s3: aws_sdk_s3::Client,
    pub cloudtrail: aws_sdk_cloudtrail::Client,
    pub securityhub: aws_sdk_securityhub::Client,
    pub config: aws_sdk_config::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub wafv2: aws_sdk_wafv2::Client,
    pub s3control: aws_sdk_s3control::Client,
    /// Two responders (IAM users allowed everything, as a responder's role would be), named in
    /// every stack's `ResponderPrincipals`: `irctl` runs as the first; a release's second
    /// approval comes from the second.
    pub responders: [Principal; 2],
    state_dir: PathBuf,
    owned: bool,
    /// Notifications read so far, per queue.
    mailbox: std::sync::Mutex<BTreeMap<String, Vec<Value>>>,
}

/// A principal of the emulated account with its own access key (IAM is evaluated for it).
#[derive(Debug, Clone)]
pub struct Principal {
    pub arn: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl Principal {
    /// The environment that makes the SDK (irctl, boto3) call as this principal.
    pub fn env(&self) -> [(&str, &str); 3] {
        [
            ("AWS_ACCESS_KEY_ID", self.access_key_id.as_str()),
            ("AWS_SECRET_ACCESS_KEY", self.secret_access_key.as_str()),
            // An empty token: no session (the emulator's environment sets none either).
            ("AWS_SESSION_TOKEN", ""),
        ]
    }
}

/// A deployed playbook stack and the queue subscribed to its topic.
#[derive(Debug, Clone)]
pub struct Stack {
    pub prefix: String,
    pub name: String,
    pub outputs: BTreeMap<String, String>,
    /// The outputs of the deployment's keys stack (`<prefix>-keys`), whose keys the stack
    /// imports: `EncryptionKeyArn`, `RecordKeyArn`, `CustodyKeyArn`.
    pub keys: BTreeMap<String, String>,
    pub queue_url: String,
    /// What `irctl deploy` printed.
    pub deployed: String,
}

impl Stack {
    pub fn state_machine(&self) -> &str {
        &self.outputs["StateMachineArn"]
    }
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

impl World {
    /// Builds `irctl` and the task Lambdas, then brings up an emulator for this run.
    pub fn start() -> World {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf();
        let status = Command::new(env!("CARGO"))
            .args(["build", "-q", "-p", "irctl", "-p", "tasks", "--bins"])
            .current_dir(&root)
            .status()
            .expect("cargo runs");
        assert!(
            status.success(),
            "building irctl and the task Lambdas failed"
        );
        let bin = target_dir(&root).join("debug");

        let state_dir = root
            .join(".local")
            .join(format!("e2e-{}", std::process::id()));
        let up = Command::new(root.join("e2e/harness/up.sh"))
            .env("IR_EMULATOR_DIR", &state_dir)
            .current_dir(&root)
            .output()
            .expect("up.sh runs");
        assert!(
            up.status.success(),
            "up.sh failed:\n{}",
            String::from_utf8_lossy(&up.stderr)
        );
        let env =
            parse_state(&std::fs::read_to_string(state_dir.join("state.env")).expect("state.env"));
        // The account baseline an incident-response account has (Security Hub on).
        let baseline = Command::new(root.join(".venv/bin/python"))
            .args(["-m", "irmoto.fixtures", "account-baseline"])
            .current_dir(root.join("e2e/harness"))
            .envs(&env)
            .output()
            .expect("fixtures run");
        assert!(
            baseline.status.success(),
            "account baseline failed:\n{}",
            String::from_utf8_lossy(&baseline.stderr)
        );

        let principal = |name: &str, policy: &str| {
            let out = Command::new(root.join(".venv/bin/python"))
                .args([
                    "-m",
                    "irmoto.fixtures",
                    "principal",
                    name,
                    "--policy",
                    policy,
                ])
                .current_dir(root.join("e2e/harness"))
                .envs(&env)
                .output()
                .expect("fixtures run");
            assert!(
                out.status.success(),
                "principal {name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let v: Value = serde_json::from_slice(&out.stdout).expect("principal JSON");
            Principal {
                arn: v["Arn"].as_str().unwrap().to_string(),
                access_key_id: v["AccessKeyId"].as_str().unwrap().to_string(),
                secret_access_key: v["SecretAccessKey"].as_str().unwrap().to_string(),
            }
        };
        let everything = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        let responders = [
            principal("responder-alice", everything),
            principal("responder-bob", everything),
        ];
        for (k, v) in &env {
            std::env::set_var(k, v);
        }
        let rt = tokio::runtime::Runtime::new().unwrap();
        // The tasks' own configuration: it honours HTTP_PROXY, which is how S3 Control's
        // account-prefixed host names reach the emulator (see e2e/harness/up.sh).
        let config = rt.block_on(tasks::aws_config());
        World {
            sfn: aws_sdk_sfn::Client::new(&config),
            sqs: aws_sdk_sqs::Client::new(&config),
            sns: aws_sdk_sns::Client::new(&config),
            kms: aws_sdk_kms::Client::new(&config),
            cfn: aws_sdk_cloudformation::Client::new(&config),
            ec2: aws_sdk_ec2::Client::new(&config),
            autoscaling: aws_sdk_autoscaling::Client::new(&config),
            elbv2: aws_sdk_elasticloadbalancingv2::Client::new(&config),
            elb: aws_sdk_elasticloadbalancing::Client::new(&config),
            iam: aws_sdk_iam::Client::new(&config),
            events: aws_sdk_eventbridge::Client::new(&config),
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(&config)
                    .force_path_style(true)
                    .build(),
            ),
            cloudtrail: aws_sdk_cloudtrail::Client::new(&config),
            securityhub: aws_sdk_securityhub::Client::new(&config),
            config: aws_sdk_config::Client::new(&config),
            ssm: aws_sdk_ssm::Client::new(&config),
            wafv2: aws_sdk_wafv2::Client::new(&config),
            s3control: aws_sdk_s3control::Client::new(&config),
            root,
            bin,
            env,
            responders,
            state_dir,
            owned: true,
            mailbox: Default::default(),
        }
    }

    /// Every stack's `ResponderPrincipals`: the two responders, and the account's root user,
    /// who deploys and builds the fixtures (as `irctl deploy` names its deployer by default),
    /// so that the tags a fixture gives at creation are a responder's, not a workload's.
    pub fn responder_principals(&self) -> String {
        format!(
            "{},{},arn:aws:iam::123456789012:root",
            self.responders[0].arn, self.responders[1].arn
        )
    }

    pub fn endpoint(&self) -> &str {
        &self.env["AWS_ENDPOINT_URL"]
    }

    /// Runs a harness fixture (`python -m irmoto.fixtures ARGS`) and returns its JSON output.
    /// An object's bytes, read as the administrator.
    pub async fn object(&self, bucket: &str, key: &str) -> Vec<u8> {
        self.s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("read s3://{bucket}/{key}: {e:?}"))
            .body
            .collect()
            .await
            .unwrap()
            .to_vec()
    }

    pub fn fixture(&self, args: &[&str]) -> Value {
        let out = Command::new(self.root.join(".venv/bin/python"))
            .arg("-m")
            .arg("irmoto.fixtures")
            .args(args)
            .current_dir(self.root.join("e2e/harness"))
            .envs(&self.env)
            .output()
            .expect("fixtures run");
        assert!(
            out.status.success(),
            "fixture {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "fixture {args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Injects AWS errors through the harness (`python -m irmoto.faults add ...`).
    pub fn fault(&self, spec: &Value) -> Value {
        let (status, text) = http_post(
            self.endpoint(),
            "/moto-api/irmoto/faults",
            &spec.to_string(),
        );
        assert_eq!(status, 200, "injecting {spec} failed: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Invokes one task Lambda by its binary name, as Step Functions does (Lambda's Invoke API,
    /// served by `cargo lambda watch`): its output, or its `(errorType, errorMessage)`.
    pub fn invoke(&self, task: &str, payload: &Value) -> Result<Value, (String, String)> {
        let endpoint = &self.env["IR_LAMBDA_INVOKE_ENDPOINT"];
        let (status, text) = http_post(
            endpoint,
            &format!("/2015-03-31/functions/{task}/invocations"),
            &payload.to_string(),
        );
        let body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{task} answered HTTP {status} with no JSON ({e}): {text}"));
        if (200..300).contains(&status) && body.get("errorType").is_none() {
            Ok(body)
        } else {
            Err((
                body["errorType"].as_str().unwrap_or_default().to_string(),
                body["errorMessage"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            ))
        }
    }

    /// The memory image the emulated host of `instance` acquired for `case` (the harness's own
    /// copy, to compare with what reached the evidence bucket).
    pub fn memory_image(&self, instance: &str, case: &str) -> Vec<u8> {
        let host = self
            .endpoint()
            .trim_start_matches("http://")
            .trim_end_matches('/');
        let mut s = std::net::TcpStream::connect(host).expect("emulator reachable");
        write!(
            s,
            "GET /moto-api/irmoto/ssm-agents/memory-image?instance_id={instance}&case_id={case} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = Vec::new();
        s.read_to_end(&mut response).unwrap();
        let at = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("an HTTP response");
        let head = String::from_utf8_lossy(&response[..at]).to_ascii_lowercase();
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(!head.contains("transfer-encoding: chunked"), "{head}");
        response[at + 4..].to_vec()
    }

    /// The faults injected so far, with how often each fired.
    pub fn faults(&self) -> Value {
        let (status, text) = http_request(self.endpoint(), "GET", "/moto-api/irmoto/faults", "");
        assert_eq!(status, 200, "{text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Runs `irctl` as a responder would (the first responder), against the emulator.
    pub fn irctl(&self, args: &[&str]) -> Output {
        self.irctl_with(args, &[])
    }

    /// An IAM user of the emulated account with `policy` (JSON) and its own access key: a
    /// workload, an attacker's foothold, a third responder.
    pub fn principal(&self, name: &str, policy: &Value) -> Principal {
        let v = self.fixture(&["principal", name, "--policy", &policy.to_string()]);
        Principal {
            arn: v["Arn"].as_str().unwrap().to_string(),
            access_key_id: v["AccessKeyId"].as_str().unwrap().to_string(),
            secret_access_key: v["SecretAccessKey"].as_str().unwrap().to_string(),
        }
    }

    /// The SDK configuration of `who`: clients built from it call AWS as that principal.
    pub async fn config_as(&self, who: &Principal) -> aws_config::SdkConfig {
        let credentials = aws_sdk_sfn::config::Credentials::new(
            &who.access_key_id,
            &who.secret_access_key,
            None,
            None,
            "e2e-principal",
        );
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(connect::http_client())
            .credentials_provider(credentials)
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(self.endpoint())
            .load()
            .await
    }

    /// `irctl` as `who`.
    pub fn irctl_as(&self, who: &Principal, args: &[&str]) -> Output {
        self.irctl_with(args, &who.env())
    }

    /// `irctl` as the first responder, with `env` set over the emulator's environment (a proxy,
    /// another endpoint, another principal's keys).
    pub fn irctl_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let out = Command::new(self.bin.join("irctl"))
            .args(args)
            .envs(&self.env)
            .envs(self.responders[0].env())
            .envs(env.iter().copied())
            .current_dir(&self.root)
            .output()
            .expect("irctl runs");
        eprintln!(
            "$ irctl {}\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Runs `irctl` with `args` (a `start`), asserts it succeeded, and returns the execution it
    /// reports (`started ARN`).
    pub fn started(&self, args: &[&str]) -> String {
        let out = self.irctl(args);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(out.status.success(), "{stdout}");
        stdout
            .lines()
            .find_map(|l| l.strip_prefix("started "))
            .unwrap_or_else(|| panic!("no execution in {stdout}"))
            .to_string()
    }

    /// Starts `stack`'s `playbook` with `event` through `irctl start --file` (an AWS service's
    /// event cannot be put on the bus by anyone but the service, so irctl starts it directly).
    pub fn start_with_file(&self, stack: &Stack, playbook: &str, event: &Value) -> String {
        let file = std::env::temp_dir().join(format!("irctl-{}.json", uuid::Uuid::new_v4()));
        std::fs::write(&file, event.to_string()).unwrap();
        let arn = self.started(&[
            "--stack-prefix",
            &stack.prefix,
            "start",
            playbook,
            "--file",
            file.to_str().unwrap(),
        ]);
        let _ = std::fs::remove_file(file);
        arn
    }

    /// Deploys a playbook with `irctl deploy`, then subscribes a queue to its topic.
    pub async fn deploy(&self, prefix: &str, playbook: &str, params: &[&str]) -> Stack {
        self.deploy_with(prefix, playbook, params, &[]).await
    }

    /// `irctl deploy --organization`'s arguments for the emulator's organization (made on first
    /// use): its members OU, the home Region and `member_region`, StackSets called as the
    /// management account (#20); then `more`.
    pub fn organization_args(&self, member_region: &str, more: &[&str]) -> Vec<String> {
        self.fixture(&["organization"]);
        let ou = self.fixture(&["members-ou"])["Id"]
            .as_str()
            .expect("the members OU's id")
            .to_string();
        let mut args: Vec<String> = [
            "--organization",
            "--member-ous",
            &ou,
            "--member-regions",
            &format!("us-east-1,{member_region}"),
            "--call-as",
            "SELF",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        args.extend(more.iter().map(|a| a.to_string()));
        args
    }

    /// A new account of the organization `name`, moved into the members OU: its id, once the
    /// StackSets gave it the member stacks in `member_region` (#20).
    pub fn member_account(&self, name: &str, member_region: &str) -> String {
        let member = self.fixture(&["organization-account", name, "--member"]);
        assert!(
            member["StackInstances"]
                .to_string()
                .contains(&format!("aws-ir-member/{member_region}")),
            "{member}"
        );
        member["Account"]
            .as_str()
            .expect("an account id")
            .to_string()
    }

    /// `deploy` with more of `irctl deploy`'s arguments (`--organization …`); what irctl
    /// printed is in `Stack::deployed`.
    pub async fn deploy_with(
        &self,
        prefix: &str,
        playbook: &str,
        params: &[&str],
        more: &[&str],
    ) -> Stack {
        let bin = self.bin.to_string_lossy().to_string();
        let mut args = vec![
            "--stack-prefix",
            prefix,
            "deploy",
            playbook,
            "--artifact-bucket",
            "e2e-artifacts",
            "--create-bucket",
            "--lambda-dir",
            &bin,
        ];
        for p in params {
            args.push("--param");
            args.push(p);
        }
        let responders = format!("ResponderPrincipals={}", self.responder_principals());
        if !params.iter().any(|p| p.starts_with("ResponderPrincipals=")) {
            args.push("--param");
            args.push(&responders);
        }
        args.extend_from_slice(more);
        let out = self.irctl(&args);
        assert!(out.status.success(), "irctl deploy failed");
        let deployed = String::from_utf8_lossy(&out.stdout).into_owned();
        let name = format!("{prefix}-{playbook}");
        let outputs = self.outputs_of(&name).await;
        let keys = self
            .outputs_of(&contract::naming::stack(
                prefix,
                contract::naming::KEYS_STACK,
            ))
            .await;
        let queue_url = self
            .subscribe_queue(&outputs["NotificationTopicArn"], &format!("{name}-inbox"))
            .await;
        Stack {
            prefix: prefix.to_string(),
            name,
            outputs,
            keys,
            queue_url,
            deployed,
        }
    }

    /// Every role of the account, every page of ListRoles (an organization deployment adds the
    /// member roles to the security account's own).
    pub async fn roles(&self) -> Vec<aws_sdk_iam::types::Role> {
        self.iam
            .list_roles()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .unwrap()
    }

    /// A deployed stack's outputs, by key.
    pub async fn outputs_of(&self, stack: &str) -> BTreeMap<String, String> {
        let described = self
            .cfn
            .describe_stacks()
            .stack_name(stack)
            .send()
            .await
            .unwrap_or_else(|e| panic!("stack {stack}: {e:?}"));
        described.stacks()[0]
            .outputs()
            .iter()
            .map(|o| {
                (
                    o.output_key().unwrap().to_string(),
                    o.output_value().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// A new queue: its URL and ARN.
    pub async fn queue(&self, name: &str) -> (String, String) {
        let url = self
            .sqs
            .create_queue()
            .queue_name(name)
            .send()
            .await
            .unwrap()
            .queue_url()
            .unwrap()
            .to_string();
        let arn = self
            .sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap()
            .attributes()
            .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
            .clone();
        (url, arn)
    }

    /// A queue subscribed to `topic` (raw delivery off, so messages keep their SNS envelope).
    pub async fn subscribe_queue(&self, topic: &str, name: &str) -> String {
        let (url, arn) = self.queue(name).await;
        self.sns
            .subscribe()
            .topic_arn(topic)
            .protocol("sqs")
            .endpoint(arn)
            .send()
            .await
            .unwrap();
        url
    }

    /// Emits `event` as the AWS service named in its `source` would: onto the default bus,
    /// through the harness (callers cannot put `aws.*` events; AWS services can).
    pub fn emit(&self, event: &Value) {
        let body = json!({"events": [event]}).to_string();
        let (status, text) = http_post(self.endpoint(), "/moto-api/irmoto/service-events", &body);
        assert_eq!(status, 200, "emitting the event failed: {text}");
    }

    /// Plays another team's writer on the WAF IP set `set_name`: right after the next
    /// `GetIPSet` of it, `address` is added (the lock token rotates), so the reader's
    /// `UpdateIPSet` meets `WAFOptimisticLockException` as on AWS.
    pub fn waf_interleave(&self, set_name: &str, address: &str) {
        let body = json!({"name": set_name, "address": address}).to_string();
        let (status, text) = http_post(self.endpoint(), "/moto-api/irmoto/waf-interleave", &body);
        assert_eq!(status, 200, "registering the other writer failed: {text}");
    }

    /// Plays AWS Config invoking the custom rule `rule`'s Lambda (`request`: `messageType` and,
    /// for a change, `configurationItem`); returns the function's answer.
    pub fn invoke_config_rule(&self, rule: &str, mut request: Value) -> Value {
        request["rule"] = Value::String(rule.into());
        let (status, text) = http_post(
            self.endpoint(),
            "/moto-api/irmoto/config-rule-invocations",
            &request.to_string(),
        );
        assert_eq!(status, 200, "invoking rule {rule} failed: {text}");
        serde_json::from_str(&text).unwrap_or_default()
    }

    /// Imports ASFF findings into Security Hub as the AWS service their `ProductArn` names
    /// (GuardDuty, Security Hub's controls): only AWS can, so the harness plays it. Security Hub
    /// then sends each to EventBridge as "Findings - Imported".
    pub fn import_findings(&self, findings: &[Value]) {
        let body = json!({ "Findings": findings }).to_string();
        let (status, text) = http_post(
            self.endpoint(),
            "/moto-api/irmoto/securityhub-findings",
            &body,
        );
        assert_eq!(status, 200, "importing the findings failed: {text}");
    }

    /// Imports ASFF findings through the account's own integration (`BatchImportFindings`), as
    /// anyone allowed to can: JSON as is, since the SDK's typed findings cannot be built from a
    /// sample.
    pub fn import_findings_as_customer(&self, findings: &[Value]) {
        let body = json!({ "Findings": findings }).to_string();
        // Routed to Security Hub by the credential scope, as the emulator reads it.
        let auth = "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261129/us-east-1/securityhub/aws4_request, SignedHeaders=host, Signature=0\r\n";
        let (status, text) =
            http_request_with(self.endpoint(), "POST", "/findings/import", auth, &body);
        assert_eq!(status, 200, "importing the findings failed: {text}");
        let out: Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(out["FailedCount"], 0, "findings refused: {text}");
    }

    /// Notifications on `stack`'s topic whose text contains `needle`, waiting up to `timeout`.
    ///
    /// Every scenario's findings reach every deployed stack, so a queue holds many messages:
    /// each call drains the queue into a mailbox shared by all scenarios and searches that.
    pub async fn notifications(
        &self,
        stack: &Stack,
        needle: &str,
        timeout: Duration,
    ) -> Vec<Value> {
        let begin = Instant::now();
        loop {
            self.drain(&stack.queue_url).await;
            let found: Vec<Value> = self
                .mailbox
                .lock()
                .unwrap()
                .get(&stack.queue_url)
                .into_iter()
                .flatten()
                .filter(|m| m.to_string().contains(needle))
                .cloned()
                .collect();
            if !found.is_empty() || begin.elapsed() >= timeout {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    async fn drain(&self, queue_url: &str) {
        loop {
            let out = self
                .sqs
                .receive_message()
                .queue_url(queue_url)
                .max_number_of_messages(10)
                .send()
                .await
                .unwrap();
            if out.messages().is_empty() {
                return;
            }
            for m in out.messages() {
                let body: Value =
                    serde_json::from_str(m.body().unwrap_or("{}")).unwrap_or_default();
                self.mailbox
                    .lock()
                    .unwrap()
                    .entry(queue_url.to_string())
                    .or_default()
                    .push(body);
                self.sqs
                    .delete_message()
                    .queue_url(queue_url)
                    .receipt_handle(m.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
    }

    /// Executions of `stack`'s state machine started by a Security Hub event about `finding_id`
    /// (imported, updated or a custom action), oldest first.
    pub async fn executions_for_finding(&self, stack: &Stack, finding_id: &str) -> Vec<String> {
        self.executions_where(stack, |input| {
            input["detail"]["findings"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f["Id"] == finding_id))
        })
        .await
    }

    /// The first execution a Security Hub event about `finding_id` started, waiting for it.
    pub async fn execution_for_finding(&self, stack: &Stack, finding_id: &str) -> String {
        let begin = Instant::now();
        loop {
            if let Some(arn) = self.executions_for_finding(stack, finding_id).await.first() {
                return arn.clone();
            }
            assert!(
                begin.elapsed() < Duration::from_secs(30),
                "finding {finding_id} started no execution of {}",
                stack.name
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Executions of `stack`'s state machine whose input is the event with id `event_id`.
    pub async fn executions_for(&self, stack: &Stack, event_id: &str) -> Vec<String> {
        self.executions_where(stack, |input| input["id"] == event_id)
            .await
    }

    async fn executions_where(
        &self,
        stack: &Stack,
        wanted: impl Fn(&Value) -> bool,
    ) -> Vec<String> {
        let mut out = Vec::new();
        let list = self
            .sfn
            .list_executions()
            .state_machine_arn(stack.state_machine())
            .send()
            .await
            .unwrap();
        for e in list.executions() {
            let d = self
                .sfn
                .describe_execution()
                .execution_arn(e.execution_arn())
                .send()
                .await
                .unwrap();
            let input: Value = serde_json::from_str(d.input().unwrap_or("{}")).unwrap_or_default();
            if wanted(&input) {
                out.push(e.execution_arn().to_string());
            }
        }
        // ListExecutions lists the newest first.
        out.reverse();
        out
    }

    /// The one execution started for `event_id`, waiting for it to appear.
    pub async fn execution_for(&self, stack: &Stack, event_id: &str) -> String {
        let begin = Instant::now();
        loop {
            let found = self.executions_for(stack, event_id).await;
            assert!(
                found.len() <= 1,
                "event {event_id} started {} executions",
                found.len()
            );
            if let Some(arn) = found.into_iter().next() {
                return arn;
            }
            assert!(
                begin.elapsed() < Duration::from_secs(30),
                "event {event_id} started no execution of {}",
                stack.name
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits for the execution to leave RUNNING (or to reach `until`), returning status and
    /// output (or error and cause).
    pub async fn wait(&self, arn: &str, timeout: Duration) -> (ExecutionStatus, Value) {
        let begin = Instant::now();
        loop {
            let d = self
                .sfn
                .describe_execution()
                .execution_arn(arn)
                .send()
                .await
                .unwrap();
            if d.status() != &ExecutionStatus::Running {
                let detail = match d.output() {
                    Some(o) => serde_json::from_str(o).unwrap_or(Value::Null),
                    None => json!({"error": d.error(), "cause": d.cause()}),
                };
                return (d.status().clone(), detail);
            }
            assert!(
                begin.elapsed() < timeout,
                "{arn} still running after {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// `irctl start <release> ARGS` as the first responder, approved by the second (a release
    /// waits for one), followed to its end: its status and output.
    pub async fn release(
        &self,
        prefix: &str,
        playbook: &str,
        args: &[&str],
    ) -> (ExecutionStatus, Value) {
        let mut all = vec!["--stack-prefix", prefix, "start", playbook];
        all.extend(args);
        let arn = self.started(&all);
        let case = args
            .windows(2)
            .find(|w| w[0] == "--case")
            .map(|w| w[1])
            .expect("a release names its case");
        self.approve_release(&arn, prefix, case).await;
        self.wait(&arn, Duration::from_secs(180)).await
    }

    /// A release started by the first responder waits for a second: the second approves it.
    pub async fn approve_release(&self, arn: &str, prefix: &str, case_id: &str) {
        self.wait_for_token(arn).await;
        let out = self.irctl_as(
            &self.responders[1],
            &[
                "--stack-prefix",
                prefix,
                "approve",
                case_id,
                "--reason",
                "second responder agrees",
            ],
        );
        assert!(
            out.status.success(),
            "the second responder's approval failed"
        );
    }

    /// Waits until the execution, or an item of one of its Distributed Maps, is paused on a
    /// task token.
    pub async fn wait_for_token(&self, arn: &str) {
        let begin = Instant::now();
        loop {
            let scheduled = self.histories(arn).await.iter().any(|e| {
                e.task_scheduled_event_details()
                    .is_some_and(|d| d.resource().ends_with(".waitForTaskToken"))
            });
            if scheduled {
                return;
            }
            assert!(
                begin.elapsed() < Duration::from_secs(30),
                "{arn} never asked for a responder"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The events of an execution and of every child execution its Distributed Maps started
    /// (each item's states are in its child's history), as a user finds them through
    /// ListMapRuns and ListExecutions(mapRunArn).
    pub async fn histories(&self, arn: &str) -> Vec<aws_sdk_sfn::types::HistoryEvent> {
        let mut executions = vec![arn.to_string()];
        let runs = self
            .sfn
            .list_map_runs()
            .execution_arn(arn)
            .send()
            .await
            .unwrap();
        for run in runs.map_runs() {
            let mut pages = self
                .sfn
                .list_executions()
                .map_run_arn(run.map_run_arn())
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.unwrap();
                executions.extend(
                    page.executions()
                        .iter()
                        .map(|e| e.execution_arn().to_string()),
                );
            }
        }
        let mut events = Vec::new();
        for execution in executions {
            let mut pages = self
                .sfn
                .get_execution_history()
                .execution_arn(&execution)
                .max_results(1000)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                events.extend(page.unwrap().events().iter().cloned());
            }
        }
        events
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if self.owned {
            let _ = Command::new(self.root.join("e2e/harness/down.sh"))
                .env("IR_EMULATOR_DIR", &self.state_dir)
                .status();
            if std::env::var_os("IR_E2E_KEEP_LOGS").is_none() {
                let _ = std::fs::remove_dir_all(&self.state_dir);
            }
        }
    }
}

fn parse_state(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A minimal HTTP/1.1 POST, enough to talk to the harness's own endpoints.
fn http_post(endpoint: &str, path: &str, body: &str) -> (u16, String) {
    http_request(endpoint, "POST", path, body)
}

fn http_request(endpoint: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    http_request_with(endpoint, method, path, "", body)
}

/// `headers`: extra header lines, each ending in CRLF.
fn http_request_with(
    endpoint: &str,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> (u16, String) {
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut s = std::net::TcpStream::connect(host).expect("emulator reachable");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\n{headers}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    (
        status,
        if chunked {
            dechunk(body)
        } else {
            body.to_string()
        },
    )
}

/// The body of a `Transfer-Encoding: chunked` response.
fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// A sample event from `tasks/contract/samples/` with a fresh event id and finding id, so each
/// scenario has its own case.
/// The aws-ir tasks that made calls in member `account` in the call log `log` (the harness's
/// `call-log read`), each checked (#20): every call there by a principal was made by a member
/// role `aws-ir-<task>` in the session `<case>-<task>`, as the member's CloudTrail would show.
pub fn member_tasks(log: &Value, account: &str, case: &str) -> std::collections::BTreeSet<String> {
    let mut tasks = std::collections::BTreeSet::new();
    for call in log["Calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|call| call["account"] == account && !call["caller"].is_null())
    {
        let caller = call["caller"].as_str().unwrap();
        let rest = caller
            .strip_prefix(&format!("arn:aws:sts::{account}:assumed-role/aws-ir-"))
            .unwrap_or_else(|| panic!("a call in {account} not by an aws-ir member role: {call}"));
        let (task, session) = rest.split_once('/').unwrap();
        assert_eq!(session, format!("{case}-{task}"), "{call}");
        tasks.insert(task.to_string());
    }
    tasks
}

/// Every call `action` in `log` was made in `account` by `task`'s member role in the case's
/// session, and there was at least one (#20).
pub fn made_by_member_role(log: &Value, action: &str, account: &str, task: &str, case: &str) {
    let calls: Vec<&Value> = log["Calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|call| call["action"] == action)
        .collect();
    assert!(!calls.is_empty(), "no {action} in {log}");
    for call in calls {
        assert_eq!(call["account"], account, "{call}");
        assert_eq!(
            call["caller"],
            format!("arn:aws:sts::{account}:assumed-role/aws-ir-{task}/{case}-{task}"),
            "{call}"
        );
    }
}

pub fn fresh_sample(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tasks/contract/samples")
        .join(format!("{name}.json"));
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["id"] = json!(uuid::Uuid::new_v4().to_string());
    if v["source"] == "aws.guardduty" {
        v["detail"]["id"] = json!(uuid::Uuid::new_v4().simple().to_string());
    }
    v
}

/// A scenario of a suite: an async test given the suite's shared context.
pub type Scenario<C> =
    fn(std::sync::Arc<C>) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// `scenarios![Ctx; a, b, c]`: the named async functions as `(name, Scenario<Ctx>)` pairs.
#[macro_export]
macro_rules! scenarios {
    ($ctx:ty; $($name:ident),* $(,)?) => {
        vec![$((stringify!($name), (|c| Box::pin($name(c))) as $crate::Scenario<$ctx>)),*]
    };
}

/// Runs a suite under libtest-mimic: `--list` sets nothing up; otherwise `setup` runs once (the
/// emulator up, the stacks deployed), every selected scenario runs against its context, and the
/// context is dropped before exiting, which tears the emulator down.
pub fn run_suite<C: Send + Sync + 'static>(
    list: Vec<(&'static str, Scenario<C>)>,
    setup: impl FnOnce(&tokio::runtime::Runtime) -> C,
) -> std::process::ExitCode {
    use libtest_mimic::{Arguments, Failed, Trial};
    use std::sync::Arc;
    let args = Arguments::from_args();
    if args.list {
        let trials = list
            .into_iter()
            .map(|(n, _)| Trial::test(n, || Ok(())))
            .collect();
        return libtest_mimic::run(&args, trials).exit_code();
    }
    // Scenarios run on the runtime's workers, whose stacks are large enough for the SDK's
    // unoptimized deserializers of deep shapes (a Security Hub finding overflowed 2 MiB).
    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_stack_size(16 << 20)
            .build()
            .expect("a tokio runtime"),
    );
    let ctx = Arc::new(setup(&rt));
    let trials = list
        .into_iter()
        .map(|(name, scenario)| {
            let (ctx, rt) = (ctx.clone(), rt.clone());
            Trial::test(name, move || {
                if let Err(e) = rt.block_on(rt.spawn(scenario(ctx))) {
                    std::panic::resume_unwind(e.into_panic());
                }
                Ok::<(), Failed>(())
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    drop(Arc::try_unwrap(ctx).ok());
    conclusion.exit_code()
}

/// A chat's incoming webhook, played by a loopback HTTP server: it answers 200 and keeps every
/// body it was sent.
pub struct Webhook {
    pub url: String,
    received: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Webhook {
    pub fn start() -> Webhook {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!("http://{}/hooks/e2e", listener.local_addr().unwrap());
        let received: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
        let keep = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = std::io::BufReader::new(stream);
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if std::io::BufRead::read_line(&mut reader, &mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let lower = line.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0u8; length];
                if std::io::Read::read_exact(&mut reader, &mut body).is_ok() {
                    keep.lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(&body).into_owned());
                }
                let mut stream = reader.into_inner();
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                );
            }
        });
        Webhook { url, received }
    }

    /// The bodies received so far that contain `needle`, waiting up to `timeout` for one.
    pub async fn received(&self, needle: &str, timeout: Duration) -> Vec<Value> {
        let begin = Instant::now();
        loop {
            let found: Vec<Value> = self
                .received
                .lock()
                .unwrap()
                .iter()
                .filter(|b| b.contains(needle))
                .filter_map(|b| serde_json::from_str(b).ok())
                .collect();
            if !found.is_empty() || begin.elapsed() > timeout {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
