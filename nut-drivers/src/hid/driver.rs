//! The usbhid-ups protocol on [`HidDevice`]: subdriver choice, descriptor fix-ups, binding
//! the mapping, polling with the report cache, interrupt reports, status derivation, commands
//! and writable variables (NUT-REFERENCE.md §8.2).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use nut_hal::hid::{HidDevice, HidInfo};

use super::cache::ReportCache;
use super::claim;
use super::convert::{self, Context, Conversion, printf};
use super::descriptor::{ReportDescriptor, ReportKind};
use super::explore;
use super::fixups;
use super::mapping::{Binding, Mapping, Render, Role};
use super::path::PathNames;
use super::settings::HidSettings;
use super::status::{LbRbDelay, StatusBits};
use super::tables::{GENERIC_SUBDRIVER, MappingRow, Subdriver, Tables};
use crate::device::{CommandError, DeviceError, DeviceProtocol, Identity, Reading, Writable};

/// What the driver knows about the attached device after [`DeviceProtocol::identify`].
#[derive(Debug)]
struct Attached {
    descriptor: ReportDescriptor,
    mapping: Mapping,
}

/// The usbhid-ups protocol for one device.
#[derive(Debug)]
pub struct UsbHid<D> {
    settings: HidSettings,
    attached: Option<Attached>,
    cache: ReportCache,
    bits: StatusBits,
    /// `lbrb_log_delay_*`: holds LB+RB back for a while.
    lbrb: LbRbDelay,
    /// The latest value of every variable published, for conversions that read others.
    known: BTreeMap<String, String>,
    /// Per-device state of the conversions.
    conversions: convert::State,
    /// USB vendor and product ids of the attached device.
    ids: (u16, u16),
    last_full_walk: Option<Instant>,
    _device: core::marker::PhantomData<fn() -> D>,
}

impl<D: HidDevice> UsbHid<D> {
    /// A driver with these settings; the device is attached by `identify`.
    pub fn new(settings: HidSettings) -> Self {
        let mut cache = ReportCache::default();
        cache.full_buffer = settings.maxreport.then_some(64);
        let lbrb = LbRbDelay::new(
            settings.lbrb_log_delay,
            settings.lbrb_log_delay_without_calibrating,
        );
        UsbHid {
            settings,
            attached: None,
            cache,
            bits: StatusBits::default(),
            lbrb,
            known: BTreeMap::new(),
            conversions: convert::State::default(),
            ids: (0, 0),
            last_full_walk: None,
            _device: core::marker::PhantomData,
        }
    }

    /// The subdriver bound at `identify`, if any.
    pub fn subdriver(&self) -> Option<&'static Subdriver> {
        self.attached.as_ref().map(|a| a.mapping.subdriver)
    }

    /// The parsed (and fixed-up) descriptor of the attached device.
    pub fn descriptor(&self) -> Option<&ReportDescriptor> {
        self.attached.as_ref().map(|a| &a.descriptor)
    }

    /// The bound mapping of the attached device.
    pub fn mapping(&self) -> Option<&Mapping> {
        self.attached.as_ref().map(|a| &a.mapping)
    }

    fn choose_subdriver(
        &self,
        info: &HidInfo,
        descriptor: &ReportDescriptor,
    ) -> Result<&'static Subdriver, DeviceError> {
        let tables = Tables::get();
        if let Some(wanted) = &self.settings.subdriver {
            return tables
                .subdrivers()
                .iter()
                .find(|s| {
                    s.name.eq_ignore_ascii_case(wanted)
                        || s.name_string
                            .to_ascii_lowercase()
                            .starts_with(&wanted.to_ascii_lowercase())
                })
                .ok_or_else(|| DeviceError::NotSupported(format!("no subdriver {wanted:?}")));
        }
        if self.settings.explore {
            return tables
                .subdriver("explore")
                .ok_or_else(|| DeviceError::NotSupported("explore".into()));
        }
        tables
            .subdrivers()
            .iter()
            .find(|s| claim::claims(s, info, self.settings.productid_given))
            .or_else(|| {
                is_power_device(descriptor)
                    .then(|| tables.subdriver(GENERIC_SUBDRIVER))
                    .flatten()
            })
            .ok_or_else(|| {
                DeviceError::NotSupported(format!(
                    "no usbhid-ups subdriver claims {:04x}:{:04x}, and it is no Power Device",
                    info.vendor_id, info.product_id
                ))
            })
    }

    /// Reads a bound row's value; `None` when the device has nothing usable.
    async fn row_text(
        &mut self,
        device: &mut D,
        binding: &Binding,
    ) -> Result<Option<String>, DeviceError> {
        let Some(attached) = &self.attached else {
            return Ok(None);
        };
        let row = binding.row;
        if row.flags.absent {
            return Ok(Some(self.settings.default_for(row).to_owned()));
        }
        let field = &attached.descriptor.fields()[binding.field];
        let (report, short) = self
            .cache
            .get(
                device,
                &attached.descriptor,
                field.report_id,
                self.settings.pollinterval,
            )
            .await?;
        if let Some(short) = short {
            tracing::debug!(?short, "report shorter than its descriptor says");
        }
        let value = match field.value(report) {
            Ok(value) => value,
            Err(error) => {
                tracing::debug!(path = row.path, %error, "unreadable field");
                return Ok(None);
            }
        };
        render(device, binding.render, row, value, &mut self.context()).await
    }

    /// The conversion context over this driver's state.
    fn context(&mut self) -> Context<'_> {
        Context {
            vendor_id: self.ids.0,
            product_id: self.ids.1,
            known: &self.known,
            status: &mut self.bits,
            state: &mut self.conversions,
            raw: None,
        }
    }

    /// Publishes the rows a walk covers into `reading`.
    async fn walk(
        &mut self,
        device: &mut D,
        reading: &mut Reading,
        full: bool,
    ) -> Result<(), DeviceError> {
        let Some(attached) = &self.attached else {
            return Ok(());
        };
        let bindings: Vec<Binding> = attached
            .mapping
            .bindings
            .iter()
            .filter(|b| b.role != Role::Command && !b.row.flags.static_value)
            .filter(|b| full || b.row.flags.quick_poll)
            .cloned()
            .collect();
        let mut failure = None;
        let mut answered = false;
        for binding in &bindings {
            match self.row_text(device, binding).await {
                Ok(Some(text)) => {
                    answered = true;
                    self.apply(reading, binding.row, binding.role, &text);
                }
                Ok(None) => answered = true,
                Err(error) if device_lost(&error) => return Err(error),
                Err(error) => {
                    tracing::debug!(path = binding.row.path, %error, "field not read");
                    failure = Some(error);
                }
            }
        }
        match failure {
            Some(error) if !answered => Err(error),
            _ => Ok(()),
        }
    }

    fn apply(&mut self, reading: &mut Reading, row: &MappingRow, role: Role, text: &str) {
        match role {
            Role::Variable => {
                reading.set(row.nut_name, text);
                self.known.insert(row.nut_name.to_owned(), text.to_owned());
            }
            Role::Status => {
                self.bits.apply(text);
            }
            Role::Alarm => {
                if !text.is_empty() {
                    reading.alarm(text);
                }
            }
            Role::Command => {}
        }
    }

    /// Reads one interrupt report, if the pipe is in use, and applies the rows it carries.
    async fn interrupt(
        &mut self,
        device: &mut D,
        reading: &mut Reading,
    ) -> Result<(), DeviceError> {
        if self.settings.pollonly {
            return Ok(());
        }
        let Some(attached) = &self.attached else {
            return Ok(());
        };
        let size = self
            .settings
            .interruptsize
            .unwrap_or_else(|| max_input_len(&attached.descriptor));
        let mut buffer = vec![0u8; size.max(1)];
        let len = match device
            .read_input_report(&mut buffer, self.settings.interrupt_timeout)
            .await
        {
            Ok(len) => len,
            Err(error) if nut_hal::Error::kind(&error) == nut_hal::ErrorKind::Timeout => {
                return Ok(());
            }
            Err(error) => return Err(DeviceError::transport("interrupt read", &error)),
        };
        let report = &buffer[..len.min(buffer.len())];
        let Some(&id) = report.first() else {
            return Ok(());
        };
        let mut updates = Vec::new();
        for field in attached.descriptor.fields() {
            if field.kind != ReportKind::Input || field.report_id != id {
                continue;
            }
            let Ok(value) = field.value(report) else {
                continue;
            };
            for binding in &attached.mapping.bindings {
                let bound = &attached.descriptor.fields()[binding.field];
                if bound.path == field.path && binding.role != Role::Command {
                    updates.push((binding.clone(), value));
                }
            }
        }
        self.cache.store(report);
        for (binding, value) in updates {
            let mut context = self.context();
            let text = render(device, binding.render, binding.row, value, &mut context).await?;
            if let Some(text) = text {
                self.apply(reading, binding.row, binding.role, &text);
            }
        }
        Ok(())
    }

    /// The MGE model type, from the product string and the `UPS.PowerSummary.iModel` string
    /// (as `mge_format_model`); `None` if either is missing or the model is not in the table.
    async fn mge_type(&mut self, device: &mut D, info: &HidInfo) -> Option<u16> {
        let product = info.product.clone()?;
        let attached = self.attached.as_ref()?;
        let path = attached
            .mapping
            .names
            .parse("UPS.PowerSummary.iModel")
            .ok()?;
        let field = attached
            .descriptor
            .find(&path, ReportKind::Feature)?
            .clone();
        let report = self.fresh_report(device, field.report_id).await.ok()?;
        let index = field.value(&report).ok()?;
        let model = string_at(device, index).await.ok()??;
        convert::mge::model_type(&product, &model)
    }

    /// Report `report_id` read afresh from the device (and cached).
    async fn fresh_report(
        &mut self,
        device: &mut D,
        report_id: u8,
    ) -> Result<Vec<u8>, DeviceError> {
        let Some(attached) = &self.attached else {
            return Err(DeviceError::NotSupported("no device".into()));
        };
        let (report, _) = self
            .cache
            .get(device, &attached.descriptor, report_id, Duration::ZERO)
            .await?;
        Ok(report.to_vec())
    }

    /// A command the mapping has a row for: writes the row's value (or `param`).
    async fn direct(
        &mut self,
        device: &mut D,
        binding: &Binding,
        param: Option<&str>,
    ) -> Result<(), CommandError> {
        let text = match param {
            Some(param) => param.to_owned(),
            None if binding.row.flags.param_required => return Err(CommandError::Invalid),
            None => self.settings.default_for(binding.row).to_owned(),
        };
        let value = match binding.render {
            Render::Convert(conversion, _) if conversion.reversible() => {
                conversion.value(&text, &mut self.context())
            }
            _ => text.trim().parse().ok(),
        }
        .ok_or(CommandError::Invalid)?;
        self.write(device, binding, value)
            .await
            .map_err(CommandError::Failed)
    }

    /// A bound command by name.
    async fn direct_named(
        &mut self,
        device: &mut D,
        command: &str,
        param: Option<&str>,
    ) -> Result<(), CommandError> {
        let binding = self.command_binding(command).ok_or(CommandError::Unknown)?;
        self.direct(device, &binding, param).await
    }

    /// Writes a writable variable (the `SET VAR` of a client).
    async fn set_variable(
        &mut self,
        device: &mut D,
        name: &str,
        value: &str,
    ) -> Result<(), CommandError> {
        let binding = self
            .attached
            .as_ref()
            .and_then(|a| {
                a.mapping
                    .variables()
                    .find(|b| b.row.nut_name == name && b.row.writable)
            })
            .cloned()
            .ok_or(CommandError::Unknown)?;
        if binding.row.flags.absent {
            return self
                .settings
                .set_delay(binding.row, value)
                .ok_or(CommandError::Invalid);
        }
        let hid_value = match binding.render {
            Render::Table(lookup) => lookup.value(value).map(|v| v as f64),
            Render::Convert(conversion, _) => conversion.value(value, &mut self.context()),
            Render::Format => value.trim().parse().ok(),
        }
        .ok_or(CommandError::Invalid)?;
        self.write(device, &binding, hid_value)
            .await
            .map_err(CommandError::Failed)
    }

    /// The commands usbhid-ups builds from the delay commands, and the old beeper names.
    async fn composite(
        &mut self,
        device: &mut D,
        command: &str,
        param: Option<&str>,
    ) -> Result<(), CommandError> {
        let ondelay = self.settings.ondelay.clone();
        let offdelay = self.settings.offdelay.clone();
        match command {
            "load.off" => self.direct_named(device, "load.off.delay", Some("0")).await,
            "load.on" => self.direct_named(device, "load.on.delay", Some("0")).await,
            "beeper.on" => self.direct_named(device, "beeper.enable", param).await,
            "beeper.off" => self.direct_named(device, "beeper.disable", param).await,
            "shutdown.return" | "shutdown.stayoff" => {
                let stay_off = command == "shutdown.stayoff";
                if self.command_binding("load.off.delay").is_none() {
                    return Err(CommandError::Unknown);
                }
                let auto_start = if stay_off { "no" } else { "yes" };
                // Where the unit has it, restart on mains return only for shutdown.return.
                let _ = self
                    .set_variable(device, "ups.start.auto", auto_start)
                    .await;
                let on = if stay_off { "-1" } else { ondelay.as_str() };
                self.direct_named(device, "load.on.delay", Some(on)).await?;
                self.direct_named(device, "load.off.delay", Some(&offdelay))
                    .await
            }
            _ => Err(CommandError::Unknown),
        }
    }

    fn command_binding(&self, command: &str) -> Option<Binding> {
        self.attached
            .as_ref()?
            .mapping
            .commands()
            .find(|b| b.row.nut_name == command)
            .cloned()
    }

    /// Writes `value` (converted to logical) into a bound field with SET_REPORT.
    async fn write(
        &mut self,
        device: &mut D,
        binding: &Binding,
        value: f64,
    ) -> Result<(), DeviceError> {
        let Some(attached) = &self.attached else {
            return Err(DeviceError::NotSupported("no device".into()));
        };
        let field = attached.descriptor.fields()[binding.field].clone();
        let mut report = self.fresh_report(device, field.report_id).await?;
        field
            .write_logical(&mut report, field.to_logical(value))
            .map_err(|e| DeviceError::BadReply {
                operation: "SET_REPORT".into(),
                reply: e.to_string(),
            })?;
        device
            .set_feature_report(&report)
            .await
            .map_err(|e| DeviceError::transport("SET_REPORT", &e))?;
        self.cache.clear();
        self.last_full_walk = None;
        Ok(())
    }
}

/// The commands usbhid-ups adds when the device has the delay (or beeper) commands they are
/// built from, and the device has no row of that name itself.
fn composites(bound: &[String]) -> Vec<&'static str> {
    let has = |name: &str| bound.iter().any(|b| b == name);
    let mut added = Vec::new();
    if has("load.off.delay") {
        added.push("load.off");
    }
    if has("load.on.delay") {
        added.push("load.on");
    }
    if has("load.off.delay") && has("load.on.delay") {
        added.extend(["shutdown.return", "shutdown.stayoff"]);
    }
    added.retain(|name| !has(name));
    added
}

/// Whether the descriptor describes a UPS: a field under the Power Device page's UPS (or
/// Power Supply) collection, or under the Battery System page.
fn is_power_device(descriptor: &ReportDescriptor) -> bool {
    const UPS: u32 = 0x0084_0004;
    const POWER_SUPPLY: u32 = 0x0084_0005;
    descriptor.fields().iter().any(|field| {
        field
            .path
            .first()
            .is_some_and(|&top| top == UPS || top == POWER_SUPPLY || top >> 16 == 0x85)
    })
}

/// Errors after which the device must be reopened, rather than one field skipped.
fn device_lost(error: &DeviceError) -> bool {
    use nut_hal::ErrorKind::{Disconnected, Io, PermissionDenied};
    matches!(error.kind(), Disconnected | Io | PermissionDenied)
}

/// The longest Input report of a descriptor.
fn max_input_len(descriptor: &ReportDescriptor) -> usize {
    descriptor
        .report_ids(ReportKind::Input)
        .filter_map(|id| descriptor.report_len(id, ReportKind::Input))
        .max()
        .unwrap_or(8)
}

/// A value as NUT publishes it through a row.
async fn render<D: HidDevice>(
    device: &mut D,
    render: Render,
    row: &MappingRow,
    value: f64,
    context: &mut Context<'_>,
) -> Result<Option<String>, DeviceError> {
    Ok(match render {
        Render::Format => Some(printf(row.default, value)),
        Render::Table(lookup) => lookup.text(value as i64).map(str::to_owned),
        Render::Convert(
            conversion @ (Conversion::StringId | Conversion::TrippliteChemistry),
            _,
        ) => {
            if let Some(text) = conversion.text(value, context) {
                return Ok(Some(text));
            }
            string_at(device, value).await?
        }
        Render::Convert(conversion, _) => match conversion.raw_report(context.state) {
            None => conversion.text(value, context),
            Some((report_id, len)) => {
                let raw = raw_report(device, report_id, len).await?;
                let mut context = Context {
                    raw: raw.as_deref(),
                    known: context.known,
                    status: &mut *context.status,
                    state: &mut *context.state,
                    ..*context
                };
                conversion.text(value, &mut context)
            }
        },
    })
}

/// Feature report `report_id` read as is (`len` bytes asked), for conversions that read a
/// report rather than their field; `None` if the device refuses it.
async fn raw_report<D: HidDevice>(
    device: &mut D,
    report_id: u8,
    len: usize,
) -> Result<Option<Vec<u8>>, DeviceError> {
    let mut buffer = vec![0u8; len.max(1)];
    buffer[0] = report_id;
    match device.get_feature_report(&mut buffer).await {
        Ok(got) => {
            buffer.truncate(got);
            Ok(Some(buffer))
        }
        Err(error) => {
            let error = DeviceError::transport("GET_REPORT", &error);
            if device_lost(&error) {
                return Err(error);
            }
            tracing::debug!(report_id, %error, "raw report not read");
            Ok(None)
        }
    }
}

/// The USB string whose index is `value`, if any.
async fn string_at<D: HidDevice>(
    device: &mut D,
    value: f64,
) -> Result<Option<String>, DeviceError> {
    let index = value as i64;
    if !(1..=255).contains(&index) {
        return Ok(None);
    }
    Ok(device
        .string_descriptor(index as u8)
        .await
        .map_err(|e| DeviceError::transport("string descriptor", &e))?
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty()))
}

/// What a writable row accepts.
fn writable(binding: &Binding) -> Writable {
    match binding.render {
        Render::Table(lookup) if binding.row.flags.enumerated || !binding.row.string => {
            Writable::Enum(lookup.entries.iter().map(|e| e.nut.to_owned()).collect())
        }
        _ if binding.row.string => Writable::String(binding.row.length.max(1)),
        _ => Writable::Number,
    }
}

/// `ups.mfr`, `ups.model`, `ups.serial`, firmware, and the USB ids, from the USB strings.
fn identity_values(subdriver: &Subdriver, info: &HidInfo) -> Vec<(String, String)> {
    let mut values = Vec::new();
    let mut set = |name: &str, value: String| values.push((name.to_owned(), value));
    if let Some(mfr) = info
        .manufacturer
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        set("ups.mfr", mfr.to_owned());
    }
    if let Some(product) = info.product.as_deref().filter(|s| !s.trim().is_empty()) {
        let model = fixups::format_model(subdriver, product);
        set("ups.model", model.model);
        if let Some(firmware) = model.firmware {
            set("ups.firmware", firmware);
        }
        if let Some(aux) = model.firmware_aux {
            set("ups.firmware.aux", aux);
        }
    }
    if let Some(serial) = info
        .serial_number
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        set("ups.serial", serial.to_owned());
    }
    set("ups.vendorid", format!("{:04x}", info.vendor_id));
    set("ups.productid", format!("{:04x}", info.product_id));
    values
}

impl<D: HidDevice + 'static> DeviceProtocol for UsbHid<D> {
    type Port = D;

    fn name(&self) -> &'static str {
        "usbhid-ups"
    }

    fn version(&self) -> &'static str {
        self.subdriver().map_or("usbhid-ups", |s| s.name_string)
    }

    async fn identify(&mut self, device: &mut D) -> Result<Identity, DeviceError> {
        let info = device
            .info()
            .await
            .map_err(|e| DeviceError::transport("device info", &e))?;
        let bytes = device
            .report_descriptor()
            .await
            .map_err(|e| DeviceError::transport("report descriptor", &e))?;
        let mut descriptor =
            ReportDescriptor::parse(&bytes).map_err(|e| DeviceError::BadReply {
                operation: "report descriptor".into(),
                reply: e.to_string(),
            })?;
        for repair in descriptor.repairs() {
            tracing::info!("HIDParse: {repair}");
        }
        let subdriver = self.choose_subdriver(&info, &descriptor)?;
        let quirks = claim::quirks(subdriver, &info);
        if quirks.full_reports {
            self.cache.full_buffer = Some(64);
        }
        if quirks.no_interrupt_pipe {
            self.settings.pollonly = true;
        }
        if quirks.interrupt_only_8 {
            self.settings.interruptonly = true;
            self.settings.interruptsize = Some(8);
        }
        if !self.settings.disable_fix_report_desc {
            for fix in fixups::fix_report_desc(subdriver, &info, &mut descriptor) {
                tracing::info!(subdriver = subdriver.name, "descriptor fix-up: {fix}");
            }
        }
        if self.settings.explore {
            let names = PathNames::generic();
            for line in explore::explore(device, &descriptor, &names).await {
                tracing::info!("{line}");
            }
        }
        let mapping = Mapping::bind(subdriver, &descriptor, self.settings.interruptonly);
        tracing::debug!(
            subdriver = subdriver.name_string,
            fields = descriptor.fields().len(),
            bound = mapping.bindings.len(),
            "HID objects found"
        );
        self.attached = Some(Attached {
            descriptor,
            mapping,
        });
        self.cache.clear();
        self.bits = StatusBits::default();
        self.known.clear();
        self.conversions = convert::State::default();
        self.ids = (info.vendor_id, info.product_id);
        self.last_full_walk = None;
        if subdriver.name == "mge" {
            self.conversions.mge_type = self.mge_type(device, &info).await;
        }

        let mut identity = Identity::default();
        // The subdriver is known only now; NUT publishes it as the data version.
        identity
            .info
            .set("driver.version.data", subdriver.name_string);
        for (name, value) in identity_values(subdriver, &info) {
            self.known.insert(name.clone(), value.clone());
            identity.info.set(&name, value);
        }
        let statics: Vec<Binding> = self
            .attached
            .iter()
            .flat_map(|a| a.mapping.bindings.iter())
            .filter(|b| b.row.flags.static_value && b.role == Role::Variable)
            .cloned()
            .collect();
        for binding in &statics {
            if let Some(text) = self.row_text(device, binding).await? {
                self.known
                    .insert(binding.row.nut_name.to_owned(), text.clone());
                identity.info.set(binding.row.nut_name, text);
            }
        }
        if let Some(attached) = &self.attached {
            identity.commands = attached
                .mapping
                .commands()
                .map(|b| b.row.nut_name.to_owned())
                .collect();
            for composite in composites(&identity.commands) {
                identity.commands.push(composite.to_owned());
            }
            identity.writable = attached
                .mapping
                .variables()
                .filter(|b| b.row.writable)
                .map(|b| (b.row.nut_name.to_owned(), writable(b)))
                .collect();
        }
        Ok(identity)
    }

    async fn update(&mut self, device: &mut D) -> Result<Reading, DeviceError> {
        let mut reading = Reading::default();
        let full = self
            .last_full_walk
            .is_none_or(|at| at.elapsed() >= self.settings.pollfreq);
        self.walk(device, &mut reading, full).await?;
        if full {
            self.last_full_walk = Some(Instant::now());
        }
        self.interrupt(device, &mut reading).await?;
        let mut derived = self.bits.derive(self.settings.onlinedischarge);
        self.lbrb.filter(&mut derived, Instant::now());
        for token in derived.status {
            reading.status(token);
        }
        for alarm in derived.alarms {
            reading.alarm(alarm);
        }
        if let Some(reason) = derived.transfer_reason {
            reading.set("input.transfer.reason", reason);
        }
        Ok(reading)
    }

    async fn instcmd(
        &mut self,
        device: &mut D,
        command: &str,
        param: Option<&str>,
    ) -> Result<(), CommandError> {
        match self.command_binding(command) {
            Some(binding) => self.direct(device, &binding, param).await,
            None => self.composite(device, command, param).await,
        }
    }

    async fn set_var(
        &mut self,
        device: &mut D,
        name: &str,
        value: &str,
    ) -> Result<(), CommandError> {
        self.set_variable(device, name, value).await
    }

    async fn kill_power(&mut self, device: &mut D) -> Result<(), DeviceError> {
        // As usbhid-ups: shutdown.return (restart when mains return), else shutdown.stayoff.
        let result = match self.instcmd(device, "shutdown.return", None).await {
            Ok(()) => return Ok(()),
            Err(_) => self.instcmd(device, "shutdown.stayoff", None).await,
        };
        match result {
            Ok(()) => Ok(()),
            Err(CommandError::Failed(error)) => Err(error),
            Err(_) => Err(DeviceError::NotSupported(
                "the device has no shutdown command".into(),
            )),
        }
    }
}
