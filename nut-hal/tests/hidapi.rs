//! The hidapi backend without hardware: enumeration and opening absent devices.

use nut_hal::hidapi::{HidapiDevice, enumerate, enumerate_power_devices};
use nut_hal::{Error, ErrorKind};

#[test]
fn enumeration_gives_a_typed_result() {
    match enumerate() {
        Ok(all) => {
            for d in &all {
                assert!(!d.path.is_empty(), "{d:?}");
            }
            let power = enumerate_power_devices().unwrap();
            assert!(
                power
                    .iter()
                    .all(|d| d.usage_page == 0x84 || d.usage_page == 0x85)
            );
            assert!(power.len() <= all.len());
        }
        Err(e) => assert!(
            matches!(
                e.kind,
                ErrorKind::Unsupported | ErrorKind::Io | ErrorKind::PermissionDenied
            ),
            "{e}"
        ),
    }
}

#[test]
fn opening_an_absent_device_is_a_typed_error() {
    let e = HidapiDevice::open(0xfffe, 0xfffd, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Disconnected, "{e}");
    let e = HidapiDevice::open(0xfffe, 0xfffd, Some("no such serial")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Disconnected, "{e}");
    let e = HidapiDevice::open_path("/dev/hidraw-nut-hal-absent").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Disconnected, "{e}");
    let e = HidapiDevice::open_path("/dev/hid\0raw").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
}

#[tokio::test]
async fn a_non_hidraw_path_is_an_error_not_a_panic() {
    // /dev/null exists but is no hidraw node: hidapi's GRDESCSIZE ioctl fails.
    let e = HidapiDevice::open_path("/dev/null").unwrap_err();
    assert_ne!(e.kind(), ErrorKind::Disconnected, "{e}");
}
