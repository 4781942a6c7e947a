//! Lambda `screen-addresses`: [`contract::tasks::ip::ScreenAddresses`], served by `tasks::lambdas::screen_addresses`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::screen_addresses()
}
