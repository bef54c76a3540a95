//! [`ApcModbus`]: the [`DeviceProtocol`] reading and writing the APC register map over any
//! [`Modbus`] unit.

use std::marker::PhantomData;
use std::ops::Range;

use nut_hal::modbus::Modbus;

use super::convert::{self, Context};
use super::table::{BitKind, Block, Tables};
use crate::device::{CommandError, DeviceError, DeviceProtocol, Identity, Reading, Writable};

/// The APC Smart-UPS Modbus family over a Modbus port `M` (TCP today; RTU and USB later).
#[derive(Debug)]
pub struct ApcModbus<M> {
    tables: Tables,
    power_nominal: Option<f64>,
    realpower_nominal: Option<f64>,
    _port: PhantomData<fn() -> M>,
}

/// Registers read in one block: words and where they start.
struct BlockWords {
    start: u16,
    words: Vec<u16>,
}

impl BlockWords {
    fn get(&self, start: u16, count: u16) -> Option<&[u16]> {
        let from = usize::from(start.checked_sub(self.start)?);
        self.words.get(from..from + usize::from(count))
    }
}

/// SOGRelayConfigSetting_BF (inventory block): which outlet groups exist.
const SOG_RELAY_CONFIG_REGISTER: u16 = 590;

/// OutletCommand_BF, written by `-k`.
const SHUTDOWN_REGISTER: u16 = 1538;
/// `OUTPUT_SHUTDOWN (1 << 3) | TARGET_MAIN_OUTLET_GROUP (1 << 8)` (NUT's `apc_modbus.h`).
const SHUTDOWN_VALUE: u16 = (1 << 3) | (1 << 8);

/// The block a status bit's register is read in: status (0..128) or dynamic (128..512).
fn bit_block(register: u16) -> Option<Block> {
    match register {
        0..128 => Some(Block::Status),
        128..512 => Some(Block::Dynamic),
        _ => None,
    }
}

impl<M: Modbus> ApcModbus<M> {
    /// The family with the embedded register map.
    pub fn new() -> Result<ApcModbus<M>, super::table::TableError> {
        Ok(ApcModbus {
            tables: Tables::load()?,
            power_nominal: None,
            realpower_nominal: None,
            _port: PhantomData,
        })
    }

    /// The register map in use.
    pub fn tables(&self) -> &Tables {
        &self.tables
    }

    /// The registers spanned by `block`'s rows and the status bits read with it.
    fn span(&self, block: Block) -> Range<u16> {
        let rows = self
            .tables
            .registers
            .iter()
            .filter(|r| r.block == block)
            .map(|r| (r.start, r.start.saturating_add(r.count)));
        let bits = self
            .tables
            .status_bits
            .iter()
            .filter(|b| bit_block(b.register) == Some(block))
            .map(|b| (b.register, b.register.saturating_add(1)));
        let (lo, hi) = rows
            .chain(bits)
            .fold((u16::MAX, 0), |(lo, hi), (s, e)| (lo.min(s), hi.max(e)));
        lo..hi.max(lo)
    }

    async fn read_block(&self, port: &mut M, block: Block) -> Result<BlockWords, DeviceError> {
        let span = self.span(block);
        let count = span.end - span.start;
        if count == 0 {
            return Ok(BlockWords {
                start: span.start,
                words: Vec::new(),
            });
        }
        let operation = format!("reading {block:?} registers {}..{}", span.start, span.end);
        let words = port
            .read_holding_registers(span.start, count)
            .await
            .map_err(|e| DeviceError::transport(&operation, &e))?;
        if words.len() != usize::from(count) {
            return Err(DeviceError::BadReply {
                operation,
                reply: format!("{} registers instead of {count}", words.len()),
            });
        }
        Ok(BlockWords {
            start: span.start,
            words,
        })
    }

    fn publish(&self, block: Block, words: &BlockWords, reading: &mut Reading) {
        let ctx = Context {
            power_nominal: self.power_nominal,
            realpower_nominal: self.realpower_nominal,
            transfer_causes: &self.tables.transfer_causes,
        };
        for reg in self.tables.registers.iter().filter(|r| r.block == block) {
            if let Some(text) = words
                .get(reg.start, reg.count)
                .and_then(|w| convert::convert(reg, w, &ctx))
            {
                reading.set(&reg.name, text);
            }
        }
    }

    fn nominal(&self, reading: &Reading, name: &str) -> Option<f64> {
        reading.get(name).and_then(|v| v.parse().ok())
    }
}

impl<M: Modbus + 'static> DeviceProtocol for ApcModbus<M> {
    type Port = M;

    fn name(&self) -> &'static str {
        "apc_modbus"
    }

    fn version(&self) -> &'static str {
        "0.01"
    }

    async fn identify(&mut self, port: &mut M) -> Result<Identity, DeviceError> {
        let inventory = self.read_block(port, Block::Inventory).await?;
        let config = self.read_block(port, Block::Static).await?;
        let mut info = Reading::default();
        info.set("ups.mfr", "American Power Conversion");
        self.publish(Block::Inventory, &inventory, &mut info);
        if let Some(config) = inventory
            .get(SOG_RELAY_CONFIG_REGISTER, 1)
            .and_then(|w| w.first())
        {
            // MOG and SOG0..SOG3 present bits, as NUT's _apc_modbus_read_inventory.
            info.set(
                "outlet.group.count",
                (config & 0x1F).count_ones().to_string(),
            );
        }
        self.publish(Block::Static, &config, &mut info);
        self.power_nominal = self.nominal(&info, "ups.power.nominal");
        self.realpower_nominal = self.nominal(&info, "ups.realpower.nominal");
        let writable = self
            .tables
            .registers
            .iter()
            .filter(|r| r.writable)
            .map(|r| {
                let kind = match (r.value_type, r.converter) {
                    (super::table::ValueType::String, _) => {
                        Writable::String(usize::from(r.count) * 2)
                    }
                    (_, super::table::Converter::Date) => Writable::String(10),
                    _ => Writable::Number,
                };
                (r.name.clone(), kind)
            })
            .collect();
        Ok(Identity {
            info,
            commands: self
                .tables
                .commands
                .iter()
                .map(|c| c.name.clone())
                .collect(),
            writable,
        })
    }

    async fn update(&mut self, port: &mut M) -> Result<Reading, DeviceError> {
        let status = self.read_block(port, Block::Status).await?;
        let dynamic = self.read_block(port, Block::Dynamic).await?;
        let config = self.read_block(port, Block::Static).await?;
        let mut reading = Reading::default();
        for bit in &self.tables.status_bits {
            let words = match bit_block(bit.register) {
                Some(Block::Status) => &status,
                _ => &dynamic,
            };
            let set = words
                .get(bit.register, 1)
                .and_then(|w| w.first())
                .is_some_and(|w| u32::from(*w) & (1u32 << bit.bit.min(15)) != 0);
            match (set, bit.kind) {
                (true, BitKind::Status) => reading.status(&bit.text),
                (true, BitKind::Alarm) => reading.alarm(&bit.text),
                (false, _) => {}
            }
        }
        self.publish(Block::Status, &status, &mut reading);
        self.publish(Block::Dynamic, &dynamic, &mut reading);
        self.publish(Block::Static, &config, &mut reading);
        Ok(reading)
    }

    async fn instcmd(
        &mut self,
        port: &mut M,
        command: &str,
        _param: Option<&str>,
    ) -> Result<(), CommandError> {
        let cmd = self.tables.command(command).ok_or(CommandError::Unknown)?;
        let words: Vec<u16> = (0..cmd.count)
            .rev()
            .map(|i| {
                u64::from(cmd.value)
                    .checked_shr(16 * u32::from(i))
                    .unwrap_or(0) as u16
            })
            .collect();
        port.write_registers(cmd.register, &words)
            .await
            .map_err(|e| CommandError::Failed(DeviceError::transport(command, &e)))
    }

    async fn set_var(&mut self, port: &mut M, name: &str, value: &str) -> Result<(), CommandError> {
        let reg = self.tables.register(name).ok_or(CommandError::Unknown)?;
        if !reg.writable {
            // NUT: STAT_SET_INVALID for a known variable that is not writable.
            return Err(CommandError::Invalid);
        }
        let words = convert::encode(reg, value).ok_or(CommandError::Invalid)?;
        port.write_registers(reg.start, &words)
            .await
            .map_err(|e| CommandError::Failed(DeviceError::transport(name, &e)))
    }

    /// As NUT's `upsdrv_shutdown`: one register write (function 0x06) of OutletCommand_BF
    /// `OUTPUT_SHUTDOWN | TARGET_MAIN_OUTLET_GROUP` to register 1538.
    async fn kill_power(&mut self, port: &mut M) -> Result<(), DeviceError> {
        port.write_register(SHUTDOWN_REGISTER, SHUTDOWN_VALUE)
            .await
            .map_err(|e| DeviceError::transport("shutdown (OutletCommand_BF)", &e))
    }
}
