//! The [`HidDevice`] trait: a USB HID device seen through its reports (hidraw style).

use alloc::string::String;
use alloc::vec::Vec;
use core::future::Future;
use core::time::Duration;

use crate::error::Error;

/// Identity of a HID device.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct HidInfo {
    /// USB vendor id.
    pub vendor_id: u16,
    /// USB product id.
    pub product_id: u16,
    /// Manufacturer string, if the device has one.
    pub manufacturer: Option<String>,
    /// Product string, if the device has one.
    pub product: Option<String>,
    /// Serial number string, if the device has one.
    pub serial_number: Option<String>,
}

/// A USB HID device: report descriptor, feature reports, input reports, strings.
///
/// Report buffers carry the report id in byte 0 (0 when the device does not use ids), as
/// hidapi does.
pub trait HidDevice: Send {
    /// The error type.
    type Error: Error + Send;

    /// Vendor, product and the identifying strings.
    fn info(&mut self) -> impl Future<Output = Result<HidInfo, Self::Error>> + Send;

    /// The raw report descriptor.
    fn report_descriptor(&mut self) -> impl Future<Output = Result<Vec<u8>, Self::Error>> + Send;

    /// GET_REPORT(Feature): `buf[0]` holds the report id on entry; returns the length written.
    fn get_feature_report(
        &mut self,
        buf: &mut [u8],
    ) -> impl Future<Output = Result<usize, Self::Error>> + Send;

    /// SET_REPORT(Feature): `data[0]` is the report id.
    fn set_feature_report(
        &mut self,
        data: &[u8],
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Wait at most `timeout` for the next input report (interrupt IN); returns its length.
    fn read_input_report(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> impl Future<Output = Result<usize, Self::Error>> + Send;

    /// A USB string descriptor by index (NUT reads vendor-specific ones, e.g. for APC models).
    fn string_descriptor(
        &mut self,
        index: u8,
    ) -> impl Future<Output = Result<Option<String>, Self::Error>> + Send;

    /// Send an output report (`data[0]` is the report id) — on the interrupt OUT endpoint
    /// where the device has one, as hidraw's `write` does; APC's Modbus-over-USB requests
    /// travel this way.
    fn write_output_report(
        &mut self,
        data: &[u8],
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

impl<T: HidDevice + ?Sized> HidDevice for &mut T {
    type Error = T::Error;

    fn info(&mut self) -> impl Future<Output = Result<HidInfo, Self::Error>> + Send {
        T::info(self)
    }

    fn report_descriptor(&mut self) -> impl Future<Output = Result<Vec<u8>, Self::Error>> + Send {
        T::report_descriptor(self)
    }

    fn get_feature_report(
        &mut self,
        buf: &mut [u8],
    ) -> impl Future<Output = Result<usize, Self::Error>> + Send {
        T::get_feature_report(self, buf)
    }

    fn set_feature_report(
        &mut self,
        data: &[u8],
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        T::set_feature_report(self, data)
    }

    fn read_input_report(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> impl Future<Output = Result<usize, Self::Error>> + Send {
        T::read_input_report(self, buf, timeout)
    }

    fn string_descriptor(
        &mut self,
        index: u8,
    ) -> impl Future<Output = Result<Option<String>, Self::Error>> + Send {
        T::string_descriptor(self, index)
    }

    fn write_output_report(
        &mut self,
        data: &[u8],
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        T::write_output_report(self, data)
    }
}

/// One of two kinds of HID device (hidraw or raw USB), chosen when the device is opened.
#[derive(Debug)]
pub enum EitherHid<A, B> {
    /// The first kind.
    Left(A),
    /// The second kind.
    Right(B),
}

impl<A: HidDevice, B: HidDevice> HidDevice for EitherHid<A, B> {
    type Error = crate::serial::EitherError<A::Error, B::Error>;

    async fn info(&mut self) -> Result<HidInfo, Self::Error> {
        use crate::serial::EitherError::{Left, Right};
        match self {
            EitherHid::Left(a) => a.info().await.map_err(Left),
            EitherHid::Right(b) => b.info().await.map_err(Right),
        }
    }

    async fn report_descriptor(&mut self) -> Result<Vec<u8>, Self::Error> {
        use crate::serial::EitherError::{Left, Right};
        match self {
            EitherHid::Left(a) => a.report_descriptor().await.map_err(Left),
            EitherHid::Right(b) => b.report_descriptor().await.map_err(Right),
        }
    }

    async fn get_feature_report(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        use crate::serial::EitherError::{Left, Right};
        match self {
            EitherHid::Left(a) => a.get_feature_report(buf).await.map_err(Left),
            EitherHid::Right(b) => b.get_feature_report(buf).await.map_err(Right),
        }
    }

    async fn set_feature_report(&mut self, data: &[u8]) -> Result<(), Self::Error> {
        use crate::serial::EitherError::{Left, Right};
        match self {
            EitherHid::Left(a) => a.set_feature_report(data).await.map_err(Left),
            EitherHid::Right(b) => b.set_feature_report(data).await.map_err(Right),
        }
    }

    async fn read_input_report(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, Self::Error> {
        use crate::serial::EitherError::{Left, Right};
        match self {
            EitherHid::Left(a) => a.read_input_report(buf, timeout).await.map_err(Left),
            EitherHid::Right(b) => b.read_input_report(buf, timeout).await.map_err(Right),
        }
    }

    async fn string_descriptor(&mut self, index: u8) -> Result<Option<String>, Self::Error> {
        use crate::serial::EitherError::{Left, Right};
        match self {
            EitherHid::Left(a) => a.string_descriptor(index).await.map_err(Left),
            EitherHid::Right(b) => b.string_descriptor(index).await.map_err(Right),
        }
    }

    async fn write_output_report(&mut self, data: &[u8]) -> Result<(), Self::Error> {
        use crate::serial::EitherError::{Left, Right};
        match self {
            EitherHid::Left(a) => a.write_output_report(data).await.map_err(Left),
            EitherHid::Right(b) => b.write_output_report(data).await.map_err(Right),
        }
    }
}
