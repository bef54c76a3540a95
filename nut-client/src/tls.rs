//! STARTTLS settings: how the server's certificate is checked, whether TLS is required, and
//! an optional client certificate (for upsd's `CERTREQUEST`). Both faces build their rustls
//! client from [`TlsOptions`] with [`TlsOptions::client_config`].
//!
//! ```
//! use nut_client::tls::TlsOptions;
//! # fn main() -> Result<(), nut_client::ClientError> {
//! # let dir = std::env::temp_dir().join(format!("nut-client-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! # let key = rcgen::KeyPair::generate().unwrap();
//! # let ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap().self_signed(&key).unwrap();
//! # std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
//! # let ca_file = dir.join("ca.pem");
//! // Verify upsd's certificate against our CA, for the name "ups.example", and refuse to
//! // talk in clear text (NUT's FORCESSL):
//! let tls = TlsOptions::ca_file(&ca_file)?
//!     .server_name("ups.example")
//!     .required(true);
//! assert!(tls.is_required());
//! # Ok(()) }
//! ```

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

use crate::ClientError;

/// How the server's certificate is checked. [`TlsOptions`] holds one; its `Debug` shows
/// which (a pin in hex, never the certificates themselves).
///
/// ```
/// use nut_client::tls::{TlsOptions, Verify};
/// assert_eq!(format!("{:?}", Verify::Pin([0xab; 32])), format!("Pin({})", "ab".repeat(32)));
/// assert!(format!("{:?}", TlsOptions::insecure()).contains("verify: Insecure"));
/// ```
#[derive(Clone)]
pub enum Verify {
    /// Against these trusted roots (a CA file, or the system's), with the host name.
    Roots(Arc<RootCertStore>),
    /// Only that the server's own certificate has this SHA-256 fingerprint (of its DER);
    /// neither its issuer nor its name is looked at.
    Pin([u8; 32]),
    /// Not at all: the connection is encrypted but the server is not authenticated.
    Insecure,
}

impl std::fmt::Debug for Verify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verify::Roots(roots) => write!(f, "Roots({} certificates)", roots.len()),
            Verify::Pin(pin) => write!(f, "Pin({})", hex(pin)),
            Verify::Insecure => f.write_str("Insecure"),
        }
    }
}

/// A client certificate and its key (PEM), for servers that ask for one.
#[derive(Clone)]
struct ClientCertificate {
    chain: Vec<CertificateDer<'static>>,
    key: Arc<PrivateKeyDer<'static>>,
}

/// STARTTLS settings of a connection: made by one of [`TlsOptions::ca_file`],
/// [`TlsOptions::system_roots`], [`TlsOptions::pinned`] or [`TlsOptions::insecure`], then
/// refined.
///
/// ```
/// use nut_client::tls::TlsOptions;
/// let tls = TlsOptions::insecure().server_name("ups.example");
/// let shown = format!("{tls:?}");
/// assert!(shown.contains("server_name: Some(\"ups.example\")"));
/// assert!(shown.contains("required: false"));
/// ```
#[derive(Clone)]
pub struct TlsOptions {
    verify: Verify,
    server_name: Option<String>,
    required: bool,
    client: Option<ClientCertificate>,
}

impl std::fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsOptions")
            .field("verify", &self.verify)
            .field("server_name", &self.server_name)
            .field("required", &self.required)
            .field("client_certificate", &self.client.is_some())
            .finish()
    }
}

impl TlsOptions {
    /// Trusts the CA certificates of a PEM file.
    ///
    /// ```
    /// use nut_client::{ClientError, tls::TlsOptions};
    /// # let dir = std::env::temp_dir().join(format!("nut-client-doc-ca-file-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let key = rcgen::KeyPair::generate().unwrap();
    /// # let ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap().self_signed(&key).unwrap();
    /// std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    /// let tls = TlsOptions::ca_file(dir.join("ca.pem")).unwrap();
    /// assert!(format!("{tls:?}").contains("Roots(1 certificates)"));
    /// std::fs::write(dir.join("empty.pem"), "").unwrap();
    /// let empty = TlsOptions::ca_file(dir.join("empty.pem"));
    /// assert!(matches!(empty, Err(ClientError::Tls(text)) if text.ends_with("no certificate")));
    /// ```
    pub fn ca_file(path: impl AsRef<Path>) -> Result<TlsOptions, ClientError> {
        let path = path.as_ref();
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(path).map_err(|e| pem_error(path, e))? {
            roots
                .add(cert.map_err(|e| pem_error(path, e))?)
                .map_err(|e| ClientError::Tls(format!("{}: {e}", path.display())))?;
        }
        if roots.is_empty() {
            return Err(ClientError::Tls(format!(
                "{}: no certificate",
                path.display()
            )));
        }
        Ok(TlsOptions::with(Verify::Roots(Arc::new(roots))))
    }

    /// Trusts the CA certificates of `path` as NUT's `CERTPATH` names them: a PEM file, or
    /// a directory whose first `*.pem`/`*.crt` file (by name) holds them.
    ///
    /// ```
    /// use nut_client::{ClientError, tls::TlsOptions};
    /// # let dir = std::env::temp_dir().join(format!("nut-client-doc-ca-path-{}", std::process::id()));
    /// # std::fs::create_dir_all(dir.join("certs")).unwrap();
    /// # let key = rcgen::KeyPair::generate().unwrap();
    /// # let ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap().self_signed(&key).unwrap();
    /// std::fs::write(dir.join("certs/ca.crt"), ca.pem()).unwrap();
    /// let from_dir = TlsOptions::ca_path(dir.join("certs")).unwrap();
    /// assert!(format!("{from_dir:?}").contains("Roots(1 certificates)"));
    /// let from_file = TlsOptions::ca_path(dir.join("certs/ca.crt")).unwrap();
    /// assert!(format!("{from_file:?}").contains("Roots(1 certificates)"));
    /// std::fs::create_dir_all(dir.join("empty")).unwrap();
    /// assert!(matches!(TlsOptions::ca_path(dir.join("empty")), Err(ClientError::Tls(_))));
    /// ```
    pub fn ca_path(path: impl AsRef<Path>) -> Result<TlsOptions, ClientError> {
        let path = path.as_ref();
        if !path.is_dir() {
            return TlsOptions::ca_file(path);
        }
        let mut files: Vec<_> = std::fs::read_dir(path)?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|p| p.extension().is_some_and(|e| e == "pem" || e == "crt"))
            .collect();
        files.sort();
        let first = files
            .first()
            .ok_or_else(|| ClientError::Tls(format!("{}: no .pem or .crt file", path.display())))?;
        TlsOptions::ca_file(first)
    }

    /// The settings NUT's clients take from `CERTVERIFY`, `CERTPATH` and `FORCESSL`:
    /// without `verify`, any certificate (NUT's default); with it, against the CAs of
    /// `cert_path` ([`TlsOptions::ca_path`]) or, without one, the system's; `required`
    /// refuses a server without STARTTLS.
    ///
    /// ```
    /// use nut_client::tls::TlsOptions;
    /// let default = TlsOptions::nut(false, None, false).unwrap();
    /// assert!(format!("{default:?}").contains("verify: Insecure"));
    /// assert!(!default.is_required());
    /// assert!(TlsOptions::nut(false, None, true).unwrap().is_required());
    /// let missing = std::path::Path::new("/nonexistent/ca.pem");
    /// assert!(TlsOptions::nut(true, Some(missing), false).is_err());
    /// assert!(TlsOptions::nut(false, Some(missing), false).is_ok()); // not read without verify
    /// ```
    pub fn nut(
        verify: bool,
        cert_path: Option<&Path>,
        required: bool,
    ) -> Result<TlsOptions, ClientError> {
        let tls = match (cert_path, verify) {
            (Some(path), true) => TlsOptions::ca_path(path)?,
            (None, true) => TlsOptions::system_roots()?,
            (_, false) => TlsOptions::insecure(),
        };
        Ok(tls.required(required))
    }

    /// Trusts the system's CA certificates (as OpenSSL finds them; `SSL_CERT_FILE` and
    /// `SSL_CERT_DIR` are honoured).
    ///
    /// ```
    /// use nut_client::{ClientError, tls::TlsOptions};
    /// match TlsOptions::system_roots() {
    ///     Ok(tls) => assert!(format!("{tls:?}").contains("Roots(")),
    ///     // A system without CA certificates (a bare container) says so.
    ///     Err(error) => assert!(matches!(error, ClientError::Tls(_))),
    /// }
    /// ```
    pub fn system_roots() -> Result<TlsOptions, ClientError> {
        let found = rustls_native_certs::load_native_certs();
        let mut roots = RootCertStore::empty();
        let (added, _) = roots.add_parsable_certificates(found.certs);
        if added == 0 {
            return Err(ClientError::Tls(format!(
                "no system CA certificate could be loaded ({} errors)",
                found.errors.len()
            )));
        }
        Ok(TlsOptions::with(Verify::Roots(Arc::new(roots))))
    }

    /// Accepts only the server certificate whose DER has this SHA-256 fingerprint.
    ///
    /// ```
    /// use nut_client::tls::{TlsOptions, fingerprint};
    /// # let key = rcgen::KeyPair::generate().unwrap();
    /// # let cert = rcgen::CertificateParams::new(vec!["ups.example".into()]).unwrap().self_signed(&key).unwrap();
    /// // `cert` is upsd's certificate, obtained out of band.
    /// let pin = fingerprint(cert.der());
    /// let tls = TlsOptions::pinned(pin);
    /// assert!(tls.client_config("ups.example").is_ok());
    /// assert!(format!("{tls:?}").contains(&format!("Pin({:02x}", pin[0])));
    /// ```
    pub fn pinned(sha256: [u8; 32]) -> TlsOptions {
        TlsOptions::with(Verify::Pin(sha256))
    }

    /// Accepts any server certificate: encryption without authentication. An explicit
    /// opt-in, for tests and for servers whose certificate cannot be checked otherwise.
    ///
    /// ```
    /// use nut_client::tls::TlsOptions;
    /// let tls = TlsOptions::insecure();
    /// assert!(!tls.is_required());
    /// assert!(tls.client_config("127.0.0.1").is_ok());
    /// ```
    pub fn insecure() -> TlsOptions {
        TlsOptions::with(Verify::Insecure)
    }

    fn with(verify: Verify) -> TlsOptions {
        TlsOptions {
            verify,
            server_name: None,
            required: false,
            client: None,
        }
    }

    /// The name the certificate must carry (NUT's `CERTHOST`); by default the host
    /// connected to.
    ///
    /// ```
    /// use nut_client::tls::TlsOptions;
    /// use rustls_pki_types::ServerName;
    /// let tls = TlsOptions::insecure().server_name("ups.example");
    /// let (_, name) = tls.client_config("192.0.2.7").unwrap();
    /// assert_eq!(name, ServerName::try_from("ups.example").unwrap());
    /// ```
    pub fn server_name(mut self, name: impl Into<String>) -> TlsOptions {
        self.server_name = Some(name.into());
        self
    }

    /// With `true`, a server without STARTTLS is an error ([`ClientError::TlsRequired`],
    /// NUT's `FORCESSL`); with `false` (the default) the connection stays in clear text
    /// when the server answers `ERR FEATURE-NOT-CONFIGURED`.
    ///
    /// ```
    /// use nut_client::tls::TlsOptions;
    /// assert!(TlsOptions::insecure().required(true).is_required());
    /// assert!(!TlsOptions::insecure().required(true).required(false).is_required());
    /// ```
    pub fn required(mut self, required: bool) -> TlsOptions {
        self.required = required;
        self
    }

    /// Whether a server without STARTTLS is refused.
    ///
    /// ```
    /// use nut_client::tls::TlsOptions;
    /// assert!(!TlsOptions::insecure().is_required()); // the default
    /// assert!(TlsOptions::pinned([0; 32]).required(true).is_required());
    /// ```
    pub fn is_required(&self) -> bool {
        self.required
    }

    /// Presents this certificate chain and key (PEM files) when the server asks.
    ///
    /// ```
    /// use nut_client::tls::TlsOptions;
    /// # let dir = std::env::temp_dir().join(format!("nut-client-doc-client-cert-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let key = rcgen::KeyPair::generate().unwrap();
    /// # let cert = rcgen::CertificateParams::new(vec!["monitor".into()]).unwrap().self_signed(&key).unwrap();
    /// std::fs::write(dir.join("client.pem"), cert.pem()).unwrap();
    /// std::fs::write(dir.join("client.key"), key.serialize_pem()).unwrap();
    /// let tls = TlsOptions::insecure()
    ///     .client_certificate(dir.join("client.pem"), dir.join("client.key"))
    ///     .unwrap();
    /// let (config, _) = tls.client_config("127.0.0.1").unwrap();
    /// assert!(config.client_auth_cert_resolver.has_certs());
    /// assert!(TlsOptions::insecure().client_certificate(dir.join("none.pem"), dir.join("client.key")).is_err());
    /// ```
    pub fn client_certificate(
        mut self,
        chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<TlsOptions, ClientError> {
        let (chain_path, key_path) = (chain.as_ref(), key.as_ref());
        let chain = CertificateDer::pem_file_iter(chain_path)
            .map_err(|e| pem_error(chain_path, e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| pem_error(chain_path, e))?;
        let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| pem_error(key_path, e))?;
        self.client = Some(ClientCertificate {
            chain,
            key: Arc::new(key),
        });
        Ok(self)
    }

    /// The rustls configuration and the name to present for a connection to `host`.
    ///
    /// ```
    /// use nut_client::tls::TlsOptions;
    /// use rustls_pki_types::ServerName;
    /// let (config, name) = TlsOptions::insecure().client_config("[::1]").unwrap();
    /// assert!(matches!(name, ServerName::IpAddress(_)));
    /// assert!(!config.client_auth_cert_resolver.has_certs());
    /// assert!(TlsOptions::insecure().client_config("not a host name").is_err());
    /// ```
    pub fn client_config(
        &self,
        host: &str,
    ) -> Result<(Arc<ClientConfig>, ServerName<'static>), ClientError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| ClientError::Tls(e.to_string()))?;
        let builder = match &self.verify {
            Verify::Roots(roots) => builder.with_root_certificates(roots.clone()),
            Verify::Pin(pin) => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Fingerprint {
                    pin: Some(*pin),
                    algorithms: provider.signature_verification_algorithms,
                })),
            Verify::Insecure => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Fingerprint {
                    pin: None,
                    algorithms: provider.signature_verification_algorithms,
                })),
        };
        let config = match &self.client {
            Some(client) => builder
                .with_client_auth_cert(client.chain.clone(), client.key.clone_key())
                .map_err(|e| ClientError::Tls(e.to_string()))?,
            None => builder.with_no_client_auth(),
        };
        let name = self.server_name.as_deref().unwrap_or(host);
        let name = ServerName::try_from(name.trim_start_matches('[').trim_end_matches(']'))
            .map_err(|e| ClientError::Tls(format!("{name}: {e}")))?
            .to_owned();
        Ok((Arc::new(config), name))
    }
}

/// The SHA-256 fingerprint of a certificate's DER, as [`TlsOptions::pinned`] takes it.
///
/// ```
/// use nut_client::tls::fingerprint;
/// let digest = fingerprint(b"");
/// assert_eq!(digest.len(), 32);
/// assert_eq!(digest[..4], [0xe3, 0xb0, 0xc4, 0x42]); // SHA-256 of no bytes: e3b0c442…
/// assert_ne!(fingerprint(b"a"), digest);
/// ```
pub fn fingerprint(der: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn pem_error(path: &Path, error: rustls_pki_types::pem::Error) -> ClientError {
    ClientError::Tls(format!("{}: {error}", path.display()))
}

/// Checks the server certificate's fingerprint (or nothing, without a pin); the handshake
/// signatures are still verified, so the server must hold the certificate's key.
#[derive(Debug)]
struct Fingerprint {
    pin: Option<[u8; 32]>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Fingerprint {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.pin {
            Some(pin) if fingerprint(end_entity) != pin => Err(rustls::Error::General(format!(
                "certificate fingerprint {} is not the pinned {}",
                hex(&fingerprint(end_entity)),
                hex(&pin)
            ))),
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
