//! Deactivate every SUSPENDED device (a device must be deactivated before it can be deleted).
//!
//! ```text
//! OKTA_ORG_URL=https://acme.okta.com OKTA_API_TOKEN=… \
//!   cargo run --example deactivate_suspended_devices -- --dry-run
//! cargo run --example deactivate_suspended_devices
//! ```

use futures::TryStreamExt as _;
use okta_mgmt::prelude::*;
use okta_mgmt::types::Device;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dry_run = std::env::args().any(|a| a == "--dry-run");
    let client = Client::from_env()?;
    let suspended: Vec<Device> = client
        .list_devices()
        .search(r#"status eq "SUSPENDED""#)
        .limit(200)
        .items()
        .try_collect()
        .await?;
    for device in &suspended {
        let Some(id) = device.id.as_deref() else {
            continue;
        };
        let name = device
            .profile
            .as_ref()
            .map(|p| p.display_name.as_str())
            .unwrap_or("?");
        if dry_run {
            println!("would deactivate {id} ({name})");
            continue;
        }
        client.deactivate_device().device_id(id).call().await?;
        println!("deactivated {id} ({name})");
    }
    println!(
        "{} suspended devices{}",
        suspended.len(),
        if dry_run { " (dry run)" } else { "" }
    );
    Ok(())
}
