//! The memory image: acquired on the host by the capture document, uploaded by the upload
//! document through part URLs aws-ir presigns, and kept only when S3 has checked every part.
//!
//! S3 checks a presigned upload's `x-amz-checksum-sha256` only when the URL signs it, so the
//! hashes must exist before the URLs do: the capture document's `memory` step leaves the image
//! on the host and prints each part's SHA-256 ([`parse`]). aws-ir then starts a multipart upload
//! with SHA-256 checksums, presigns one `UploadPart` per part with that part's hash, and sends
//! the upload document the plan. A part whose bytes changed on the way is refused by S3. After
//! the command, `ListParts` must show every part with the hash and size the host announced,
//! or the upload is aborted and the image reported failed: nothing partial is ever kept. What
//! the manifest later records is S3's own COMPOSITE checksum, read back with `HeadObject`.

use super::capture::CaptureClients;
use crate::error::TaskError;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
use aws_smithy_types::base64;
use contract::tasks::ec2::{InstanceStep, MemoryImage};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const MIB: u64 = 1024 * 1024;
/// S3's limits on a part: 5 MiB to 5 GiB (but the last). At most the 256 parts the capture
/// document cuts: the host is the suspect, and may not make aws-ir presign more.
const MIN_PART: u64 = 5 * MIB;
const MAX_PART: u64 = 5 * 1024 * MIB;
const MAX_PARTS: u64 = 256;

/// What the host's `memory` step printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostReport {
    /// Nothing to upload (capture off, no AVML): the reason, as the host put it.
    NotAcquired(String),
    Acquired(Acquired),
}

/// An image on the host, cut into parts of `part_bytes`, each with its SHA-256 (base64).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acquired {
    pub image: String,
    pub bytes: u64,
    pub part_bytes: u64,
    pub parts: Vec<String>,
}

impl Acquired {
    /// The size part `n` (from 1) must have in S3.
    fn part_size(&self, n: u64) -> u64 {
        let start = (n - 1) * self.part_bytes;
        self.part_bytes.min(self.bytes - start)
    }
}

/// Reads the `memory` step's standard output. The host is not trusted for the evidence's
/// integrity (S3 checks each part against the hash), but a report that does not add up is
/// refused here rather than turned into an upload that cannot complete.
pub fn parse(stdout: &str) -> Result<HostReport, String> {
    let Some(header) = stdout.lines().find(|l| l.starts_with("aws-ir-memory ")) else {
        let said = stdout
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("memory capture off") || l.starts_with("no AVML"));
        return match said {
            Some(line) => Ok(HostReport::NotAcquired(line.to_string())),
            None => Err("the memory step printed no image report".into()),
        };
    };
    let fields: BTreeMap<&str, &str> = header
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.split_once('='))
        .collect();
    let number = |name: &str| -> Result<u64, String> {
        fields
            .get(name)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("the image report has no valid `{name}`: {header}"))
    };
    let (bytes, part_bytes, count) = (number("bytes")?, number("part-bytes")?, number("parts")?);
    if bytes == 0 {
        return Err("the host's memory image is empty".into());
    }
    if part_bytes % MIB != 0 || !(MIN_PART..=MAX_PART).contains(&part_bytes) {
        return Err(format!(
            "a part of {part_bytes} bytes is not whole MiB between 5 MiB and 5 GiB"
        ));
    }
    if count != bytes.div_ceil(part_bytes) || count > MAX_PARTS {
        return Err(format!(
            "{count} parts of {part_bytes} bytes do not make an image of {bytes} bytes"
        ));
    }
    let mut parts = vec![String::new(); count as usize];
    for line in stdout.lines().filter(|l| l.starts_with("aws-ir-part ")) {
        let mut words = line.split_whitespace().skip(1);
        let (Some(n), Some(hex), None) = (words.next(), words.next(), words.next()) else {
            return Err(format!("not a part line: {line}"));
        };
        let n: usize = n
            .parse()
            .map_err(|_| format!("not a part number: {line}"))?;
        let digest = from_hex(hex).ok_or_else(|| format!("not a SHA-256: {line}"))?;
        match parts.get_mut(n.wrapping_sub(1)) {
            Some(slot) if slot.is_empty() => *slot = base64::encode(digest),
            _ => return Err(format!("part {n} is out of range or repeated")),
        }
    }
    if let Some(missing) = parts.iter().position(String::is_empty) {
        return Err(format!(
            "part {} has no SHA-256 in the report (SSM returns the first 24,000 characters of a step's output)",
            missing + 1
        ));
    }
    Ok(HostReport::Acquired(Acquired {
        image: fields.get("image").copied().unwrap_or_default().to_string(),
        bytes,
        part_bytes,
        parts,
    }))
}

fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

/// One line of the upload plan: `<part> <skip MiB> <count MiB> <url> <name:value>...`, read by
/// the upload document with `read -r`, so nothing in it may hold whitespace.
pub fn plan_line(
    n: u64,
    part_bytes: u64,
    url: &str,
    headers: &[(&str, &str)],
) -> Result<String, String> {
    let mut line = format!(
        "{n} {} {} {url}",
        (n - 1) * part_bytes / MIB,
        part_bytes / MIB
    );
    for (name, value) in headers {
        line.push_str(&format!(" {name}:{value}"));
    }
    if url.contains(char::is_whitespace)
        || headers
            .iter()
            .any(|(n, v)| n.contains(char::is_whitespace) || v.contains(char::is_whitespace))
    {
        return Err(format!(
            "part {n}'s presigned request holds whitespace; the upload plan cannot carry it"
        ));
    }
    Ok(line)
}

fn outcome(status: &str, reason: impl Into<String>) -> MemoryImage {
    MemoryImage {
        status: status.into(),
        reason: reason.into(),
        ..MemoryImage::default()
    }
}

/// Uploads what the host acquired and returns the image as S3 holds it. Never an error: a
/// memory image that could not be kept is a `failed` outcome with the reason, and the multipart
/// upload is aborted so that nothing partial stays.
pub async fn upload(
    aws: &CaptureClients,
    step: &InstanceStep,
    acquired: &Acquired,
    deadline: Instant,
) -> MemoryImage {
    let bucket = &step.policy.evidence_bucket;
    let key = format!(
        "cases/{}/{}/memory.lime",
        step.case.case_id, step.instance_id
    );
    let left_on_host = format!(
        "the image stays at {} on the instance",
        if acquired.image.is_empty() {
            "/tmp"
        } else {
            &acquired.image
        }
    );
    if step.policy.memory_upload_document.is_empty() {
        return outcome(
            "failed",
            format!("the stack names no memory upload document; {left_on_host}"),
        );
    }
    let created = aws
        .s3
        .create_multipart_upload()
        .bucket(bucket)
        .key(&key)
        .content_type("application/octet-stream")
        .checksum_algorithm(ChecksumAlgorithm::Sha256)
        .send()
        .await;
    let upload_id = match created.map(|c| c.upload_id) {
        Ok(Some(id)) => id,
        Ok(None) => {
            return outcome(
                "failed",
                format!("S3 gave no upload id for s3://{bucket}/{key}; {left_on_host}"),
            )
        }
        Err(e) => {
            return outcome(
                "failed",
                format!(
                    "{}; {left_on_host}",
                    TaskError::from_sdk(e, &format!("start the upload of s3://{bucket}/{key}"))
                        .message
                ),
            )
        }
    };
    let kept = send_parts(aws, step, acquired, &key, &upload_id, deadline).await;
    let checked = match kept {
        Ok(parts) => parts,
        Err(reason) => {
            let aborted = aws
                .s3
                .abort_multipart_upload()
                .bucket(bucket)
                .key(&key)
                .upload_id(&upload_id)
                .send()
                .await;
            let aborted = match aborted {
                Ok(_) => "the upload was aborted, nothing partial is kept".to_string(),
                Err(e) => {
                    TaskError::from_sdk(
                        e,
                        &format!("abort upload {upload_id} of s3://{bucket}/{key}"),
                    )
                    .message
                }
            };
            return outcome("failed", format!("{reason}; {aborted}"));
        }
    };
    let completed = aws
        .s3
        .complete_multipart_upload()
        .bucket(bucket)
        .key(&key)
        .upload_id(&upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(checked))
                .build(),
        )
        .send()
        .await;
    if let Err(e) = completed {
        return outcome(
            "failed",
            TaskError::from_sdk(e, &format!("complete the upload of s3://{bucket}/{key}")).message,
        );
    }
    match crate::custody::store::head(&aws.s3, bucket, &key).await {
        Ok(Some((object, size))) => MemoryImage {
            status: "captured".into(),
            reason: format!(
                "{size} bytes in {} parts, each checked by S3 against the SHA-256 the upload URL signed",
                acquired.parts.len()
            ),
            location: object.key,
            version_id: object.version_id,
            bytes: size,
            sha256: object.sha256,
        },
        Ok(None) => outcome("failed", format!("s3://{bucket}/{key} is not there after its upload completed")),
        Err(e) => outcome("failed", e.message),
    }
}

/// Presigns the parts, has the host send them, and checks what S3 received; the parts to
/// complete the upload with, or why it cannot be completed.
async fn send_parts(
    aws: &CaptureClients,
    step: &InstanceStep,
    acquired: &Acquired,
    key: &str,
    upload_id: &str,
    deadline: Instant,
) -> Result<Vec<CompletedPart>, String> {
    let bucket = &step.policy.evidence_bucket;
    let ttl = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_secs(60));
    let presigning = || PresigningConfig::expires_in(ttl).map_err(|e| e.to_string());
    let mut plan = String::new();
    for (i, sha256) in acquired.parts.iter().enumerate() {
        let n = i as u64 + 1;
        let request = aws
            .s3
            .upload_part()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(n as i32)
            .checksum_sha256(sha256)
            .presigned(presigning()?)
            .await
            .map_err(|e| TaskError::from_sdk(e, &format!("presign part {n}")).message)?;
        let headers: Vec<(&str, &str)> = request.headers().collect();
        plan.push_str(&plan_line(n, acquired.part_bytes, request.uri(), &headers)?);
        plan.push('\n');
    }
    let plan_key = format!(
        "cases/{}/{}/memory-upload-plan.txt",
        step.case.case_id, step.instance_id
    );
    aws.s3
        .put_object()
        .bucket(bucket)
        .key(&plan_key)
        .content_type("text/plain; charset=utf-8")
        .checksum_algorithm(ChecksumAlgorithm::Sha256)
        .body(plan.into_bytes().into())
        .send()
        .await
        .map_err(|e| {
            TaskError::from_sdk(
                e,
                &format!("write the upload plan s3://{bucket}/{plan_key}"),
            )
            .message
        })?;
    let plan_url = aws
        .s3
        .get_object()
        .bucket(bucket)
        .key(&plan_key)
        .presigned(presigning()?)
        .await
        .map_err(|e| TaskError::from_sdk(e, "presign the upload plan").message)?;
    let id = &step.instance_id;
    let sent = aws
        .ssm
        .send_command()
        .document_name(&step.policy.memory_upload_document)
        .instance_ids(id)
        .comment(format!("aws-ir memory image for {}", step.case.case_id))
        .parameters("CaseId", vec![step.case.case_id.clone()])
        .parameters("PlanUrl", vec![plan_url.uri().to_string()])
        .timeout_seconds(600)
        .send()
        .await
        .map_err(|e| {
            TaskError::from_sdk(e, &format!("send the memory upload command to {id}")).message
        })?;
    let command_id = sent.command.and_then(|c| c.command_id).unwrap_or_default();
    let ended = super::capture::wait_for_command(&aws.ssm, &command_id, id, deadline).await;
    let received = received_parts(aws, bucket, key, upload_id).await?;
    let mut complete = Vec::new();
    let mut missing = Vec::new();
    for (i, sha256) in acquired.parts.iter().enumerate() {
        let n = i as u64 + 1;
        match received.get(&(n as i32)) {
            Some((size, got, etag)) if got == sha256 && *size == acquired.part_size(n) as i64 => {
                complete.push(
                    CompletedPart::builder()
                        .part_number(n as i32)
                        .e_tag(etag)
                        .checksum_sha256(sha256)
                        .build(),
                )
            }
            Some((size, got, _)) => missing.push(format!(
                "part {n} differs from the host's report ({size} bytes, SHA-256 {got})"
            )),
            None => missing.push(format!("part {n}")),
        }
    }
    if let Some(extra) = received
        .keys()
        .find(|n| **n as usize > acquired.parts.len())
    {
        missing.push(format!("part {extra} was not in the plan"));
    }
    match ended {
        super::capture::Ended::Status(s, _) if s == "Success" && missing.is_empty() => Ok(complete),
        ended => Err(format!(
            "the upload command {command_id} {}; {} of {} parts arrived intact{}",
            ended.describe(),
            complete.len(),
            acquired.parts.len(),
            if missing.is_empty() {
                String::new()
            } else {
                format!(", not: {}", missing.join(", "))
            }
        )),
    }
}

/// Part number → (size, SHA-256, ETag), as S3 lists the upload's parts.
async fn received_parts(
    aws: &CaptureClients,
    bucket: &str,
    key: &str,
    upload_id: &str,
) -> Result<BTreeMap<i32, (i64, String, String)>, String> {
    let mut parts = BTreeMap::new();
    let mut marker: Option<String> = None;
    loop {
        let page = aws
            .s3
            .list_parts()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .set_part_number_marker(marker.clone())
            .send()
            .await
            .map_err(|e| {
                TaskError::from_sdk(e, &format!("list the parts of upload {upload_id}")).message
            })?;
        for p in page.parts() {
            parts.insert(
                p.part_number().unwrap_or_default(),
                (
                    p.size().unwrap_or_default(),
                    p.checksum_sha256().unwrap_or_default().to_string(),
                    p.e_tag().unwrap_or_default().to_string(),
                ),
            );
        }
        match (page.is_truncated(), page.next_part_number_marker()) {
            (Some(true), Some(next)) => marker = Some(next.to_string()),
            _ => return Ok(parts),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(byte: u8) -> String {
        format!("{byte:02x}").repeat(32)
    }

    #[test]
    fn a_report_of_three_parts_reads_as_their_hashes() {
        let mib = MIB;
        let out = format!(
            "aws-ir-memory image=/tmp/aws-ir-case-0123456789abcdef.lime bytes={} part-bytes={} parts=3\naws-ir-part 1 {}\naws-ir-part 3 {}\naws-ir-part 2 {}\n",
            20 * mib + 3,
            8 * mib,
            hex(1),
            hex(3),
            hex(2)
        );
        let HostReport::Acquired(a) = parse(&out).unwrap() else {
            panic!("acquired")
        };
        assert_eq!(a.parts.len(), 3);
        assert_eq!(a.parts[1], base64::encode([2u8; 32]));
        assert_eq!(a.part_size(1), 8 * mib);
        assert_eq!(a.part_size(3), 4 * mib + 3);
        assert_eq!(a.image, "/tmp/aws-ir-case-0123456789abcdef.lime");
    }

    #[test]
    fn a_report_that_does_not_add_up_is_refused() {
        let mib = MIB;
        let head = |bytes: u64, part: u64, parts: u64| {
            format!("aws-ir-memory image=/tmp/x bytes={bytes} part-bytes={part} parts={parts}\n")
        };
        // Too few parts for the size, a part below S3's minimum, a missing hash, a repeat.
        assert!(parse(&format!(
            "{}aws-ir-part 1 {}",
            head(20 * mib, 8 * mib, 1),
            hex(1)
        ))
        .is_err());
        assert!(parse(&format!("{}aws-ir-part 1 {}", head(mib, mib, 1), hex(1))).is_err());
        let two = head(9 * mib, 8 * mib, 2);
        assert!(parse(&format!("{two}aws-ir-part 1 {}", hex(1))).is_err());
        assert!(parse(&format!(
            "{two}aws-ir-part 1 {}\naws-ir-part 1 {}",
            hex(1),
            hex(1)
        ))
        .is_err());
        assert!(parse(&format!("{two}aws-ir-part 1 {}\naws-ir-part 2 zz", hex(1))).is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn a_host_without_avml_says_so() {
        assert_eq!(
            parse("no AVML on the instance: memory not captured\n").unwrap(),
            HostReport::NotAcquired("no AVML on the instance: memory not captured".into())
        );
    }

    #[test]
    fn a_plan_line_is_what_the_upload_document_reads() {
        let line = plan_line(
            3,
            8 * MIB,
            "https://b.s3.amazonaws.com/k?partNumber=3&X-Amz-Signature=abc",
            &[("x-amz-checksum-sha256", "AAAA=")],
        )
        .unwrap();
        assert_eq!(line, "3 16 8 https://b.s3.amazonaws.com/k?partNumber=3&X-Amz-Signature=abc x-amz-checksum-sha256:AAAA=");
        assert!(plan_line(1, 8 * MIB, "https://x/ y", &[]).is_err());
    }
}
