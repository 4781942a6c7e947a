//! The AWS clients a task may use, built once per Lambda instance from the environment.
//! Building a client makes no call, so each Lambda builds them all and uses what it needs.

#[derive(Clone)]
pub struct Aws {
    pub ec2: aws_sdk_ec2::Client,
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    pub elb: aws_sdk_elasticloadbalancing::Client,
    pub iam: aws_sdk_iam::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub s3: aws_sdk_s3::Client,
    pub cloudtrail: aws_sdk_cloudtrail::Client,
    pub securityhub: aws_sdk_securityhub::Client,
    pub config: aws_sdk_config::Client,
    pub wafv2: aws_sdk_wafv2::Client,
    pub s3control: aws_sdk_s3control::Client,
    pub sfn: aws_sdk_sfn::Client,
    pub kms: aws_sdk_kms::Client,
}

impl Aws {
    pub async fn from_env() -> Aws {
        let config = crate::aws_config().await;
        let s3 = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build();
        Aws {
            ec2: aws_sdk_ec2::Client::new(&config),
            autoscaling: aws_sdk_autoscaling::Client::new(&config),
            elbv2: aws_sdk_elasticloadbalancingv2::Client::new(&config),
            elb: aws_sdk_elasticloadbalancing::Client::new(&config),
            iam: aws_sdk_iam::Client::new(&config),
            ssm: aws_sdk_ssm::Client::new(&config),
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
            s3: aws_sdk_s3::Client::from_conf(s3),
            cloudtrail: aws_sdk_cloudtrail::Client::new(&config),
            securityhub: aws_sdk_securityhub::Client::new(&config),
            config: aws_sdk_config::Client::new(&config),
            wafv2: aws_sdk_wafv2::Client::new(&config),
            s3control: aws_sdk_s3control::Client::new(&config),
            sfn: aws_sdk_sfn::Client::new(&config),
            kms: aws_sdk_kms::Client::new(&config),
        }
    }
}
