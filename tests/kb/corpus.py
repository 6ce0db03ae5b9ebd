"""A written corpus: the knowledge base of "Tidewater", a file sync and backup server with
desktop and mobile clients. Each article is (key, category, title, summary, body).

The queries below are what customers and agents type, each with the articles that answer it.
"""

from __future__ import annotations

# fmt: off
ARTICLES: list[tuple[str, str, str, str, str]] = [
    # --- installation ---------------------------------------------------------------------
    ("inst-win", "Installation", "Install the Tidewater server on Windows Server",
     "Run the MSI installer on Windows Server 2019 or 2022.",
     "Download the MSI package, run it as an administrator and choose the data folder. The "
     "installer registers the Tidewater service and opens port 8443 in Windows Firewall."),
    ("inst-linux", "Installation", "Install the Tidewater server on Linux (deb and rpm)",
     "Packages for Debian, Ubuntu, RHEL and Rocky Linux.",
     "Add the package repository, then run apt install tidewater-server or dnf install "
     "tidewater-server. The systemd unit tidewater.service starts the server on boot."),
    ("inst-docker", "Installation", "Run Tidewater in Docker with docker compose",
     "The official container image and a compose file with PostgreSQL.",
     "Pull the image tidewater/server, mount a volume for /var/lib/tidewater and set "
     "TW_DATABASE_URL. The compose file starts the server and a PostgreSQL container."),
    ("inst-k8s", "Installation", "Deploy Tidewater on Kubernetes with the Helm chart",
     "Helm chart values for replicas, ingress and persistent volumes.",
     "Add the Helm repository and install the chart. Set ingress.host, the storage class of "
     "the persistent volume claim and the number of replicas in values.yaml."),
    ("inst-airgap", "Installation", "Offline installation on an air-gapped network",
     "Install without internet access from the offline bundle.",
     "Copy the offline bundle to the server on a USB drive, unpack it and run the bundled "
     "installer. Licence activation then uses an activation file instead of the internet."),
    ("inst-req", "Installation", "System requirements for the server",
     "CPU, memory, disk and operating system requirements.",
     "A server for 500 users needs 4 CPU cores, 16 GB of memory and fast SSD storage. "
     "Supported operating systems are Windows Server, Ubuntu LTS and RHEL."),
    ("inst-client-win", "Desktop clients", "Install the desktop client on Windows",
     "The Windows client installer, per user or per machine.",
     "Run TidewaterSetup.exe. For a per-machine deployment use the MSI with msiexec and the "
     "SERVERURL property so that users do not type the server address."),
    ("inst-client-mac", "Desktop clients", "Install the desktop client on macOS",
     "Drag the app to Applications and allow the file provider extension.",
     "Open the DMG, drag Tidewater to Applications and approve the file provider extension in "
     "System Settings, Privacy and Security. Apple silicon and Intel Macs are supported."),
    ("inst-client-linux", "Desktop clients", "Install the desktop client on Linux",
     "AppImage and Flatpak packages of the desktop client.",
     "Download the AppImage, mark it executable and start it, or install the Flatpak from "
     "Flathub. The client needs a desktop with a system tray for its status icon."),
    ("inst-mass", "Desktop clients", "Deploy the desktop client to many computers with Intune",
     "Mass deployment with Microsoft Intune, SCCM or Jamf.",
     "Upload the MSI to Intune as a line-of-business app with the SERVERURL property. On Macs "
     "use a Jamf policy with the PKG and a configuration profile for the server address."),
    ("uninstall", "Installation", "Uninstall the server and remove its data",
     "Remove the service, packages and, if wanted, the data folder.",
     "Stop the service, remove the package and delete /var/lib/tidewater only if you no longer "
     "need the stored files. Uninstalling does not revoke the licence seat."),
    # --- upgrades -------------------------------------------------------------------------
    ("upg-40", "Upgrades", "Upgrade the server from 3.x to 4.0",
     "Steps and checks for the major upgrade to version 4.0.",
     "Back up the database first. Version 4.0 migrates the metadata store to a new schema; the "
     "upgrade takes about ten minutes per million files. Upgrade clients after the server."),
    ("upg-minor", "Upgrades", "Install a minor update or patch release",
     "Patch releases such as 4.0.3 install in place.",
     "Minor updates keep the database schema. Run the installer of the new version or apt "
     "upgrade tidewater-server; the service restarts and clients reconnect by themselves."),
    ("upg-rollback", "Upgrades", "Roll back a failed upgrade",
     "Return to the previous version when an upgrade fails.",
     "Stop the service, reinstall the previous version and restore the database backup taken "
     "before the upgrade. A downgrade without the backup is not possible after 4.0."),
    ("upg-client-auto", "Upgrades", "Automatic updates of the desktop client",
     "How clients update themselves and how to turn it off.",
     "Clients check for updates every day and install them on restart. Administrators can pin "
     "a client version in the admin console under Clients, Update policy."),
    ("upg-docker", "Upgrades", "Upgrade a Docker installation",
     "Pull the new image tag and recreate the container.",
     "Change the image tag in the compose file, run docker compose pull and docker compose up "
     "-d. The container runs the database migration when it starts."),
    ("upg-k8s", "Upgrades", "Upgrade with Helm on Kubernetes",
     "helm upgrade with the new chart version.",
     "Run helm upgrade with the new chart version. The chart runs the migration as a job "
     "before the new pods start; watch the job log for errors."),
    ("upg-path", "Upgrades", "Supported upgrade paths between versions",
     "Which versions can upgrade directly to which.",
     "Upgrade 2.x to 3.4 first, then to 4.0. Skipping a major version is not supported. The "
     "table lists the oldest version each release can upgrade from."),
    ("upg-migration-stuck", "Upgrades", "Database migration hangs during an upgrade",
     "The upgrade stops at 'migrating metadata'.",
     "A long migration on a large database can look stuck. Check the migration log; if the "
     "disk is full the migration waits. Free space and restart the service to continue."),
    # --- sync errors ----------------------------------------------------------------------
    ("sync-conflict", "Sync errors", "Conflict copies: files named 'conflicted copy'",
     "Why conflict files appear and how to resolve them.",
     "When two people change the same file before it syncs, Tidewater keeps both and names one "
     "'conflicted copy'. Compare the two files, keep the right one and delete the other."),
    ("sync-stuck", "Sync errors", "Sync stuck at 'Indexing' or at 99%",
     "The client never finishes syncing.",
     "A file that is locked by another program blocks the sync. Close Outlook or the program "
     "that holds the file, or pause and resume sync. The client log names the file."),
    ("sync-e1042", "Sync errors", "Error E1042: quota exceeded",
     "The user's storage quota is full.",
     "The server refuses new files when the user's quota is full. Delete files, empty the "
     "trash or ask an administrator to raise the quota in the admin console."),
    ("sync-path", "Sync errors", "Error E2010: path too long",
     "Windows cannot sync paths longer than 260 characters.",
     "Enable long paths in Windows with the LongPathsEnabled policy or shorten the folder "
     "names. The client skips files whose full path is longer than 260 characters."),
    ("sync-perm", "Sync errors", "Error E3001: permission denied on a shared folder",
     "The user has read-only access to the share.",
     "A user with read-only access cannot upload changes; the client keeps them locally and "
     "shows E3001. Ask the owner of the share for write permission."),
    ("sync-clock", "Sync errors", "Sync fails because the computer clock is wrong",
     "Clock skew breaks authentication tokens.",
     "If the computer clock is more than five minutes off, tokens are rejected and sync stops "
     "with 'token not yet valid'. Turn on automatic time synchronisation."),
    ("sync-ssl", "Sync errors", "SSL certificate error when the client connects",
     "The client does not trust the server certificate.",
     "A self-signed or expired certificate makes the client refuse to connect. Install a "
     "certificate from a trusted authority or add your internal CA to the computer."),
    ("sync-proxy", "Sync errors", "Sync through a corporate proxy server",
     "Configure the client for an HTTP proxy.",
     "The client uses the system proxy settings. For a proxy with authentication enter the "
     "proxy user in Settings, Network. SSL inspection must exclude the Tidewater server."),
    ("sync-slow", "Sync errors", "Sync is slow",
     "Find out why uploads and downloads are slow.",
     "Check the bandwidth limit in the client settings, the number of small files and the "
     "server's disk latency. Many thousands of small files sync slower than a few large ones."),
    ("sync-deleted", "Sync errors", "Files disappeared after sync",
     "Find and restore files that sync removed.",
     "Deleted files go to the trash for 30 days. Open the web interface, Trash, and restore "
     "them. The activity log shows which device deleted the files."),
    ("sync-selective", "Sync errors", "Selective sync: choose which folders sync",
     "Keep some folders online only.",
     "Open the client settings, Folders, and untick the folders you do not need on this "
     "computer. Online-only files download when you open them."),
    ("sync-ignored", "Sync errors", "Files that are never synced (ignored files)",
     "Temporary and system files are skipped on purpose.",
     "Files such as desktop.ini, .DS_Store, ~$ Office lock files and files ending in .tmp are "
     "ignored. The list of ignore patterns is in the admin console."),
    ("sync-offline", "Sync errors", "Client shows 'offline' although the network works",
     "The client cannot reach the server.",
     "Check that the server address is right and that port 8443 is open in the firewall. A "
     "captive portal or VPN can block the connection."),
    ("sync-large", "Sync errors", "Large files over 50 GB fail to upload",
     "Limits and settings for very large files.",
     "Uploads are split into chunks; the default maximum file size is 50 GB. Raise "
     "max_file_size in the server configuration and make sure the reverse proxy allows it."),
    ("sync-case", "Sync errors", "Two files differ only in upper and lower case",
     "Case conflicts between Linux and Windows or macOS.",
     "Windows and macOS treat Report.docx and report.docx as the same file. The client renames "
     "one with '(case conflict)'. Rename one of them on the server."),
    ("sync-outlook", "Sync errors", "Outlook PST files do not sync",
     "PST files are locked while Outlook is open.",
     "Outlook keeps PST files open, so they sync only when Outlook is closed. Store PST files "
     "outside the synced folder or use the server's mail archive instead."),
    # --- licences -------------------------------------------------------------------------
    ("lic-activate", "Licences", "Activate your licence",
     "Enter the licence key in the admin console.",
     "Open the admin console, Licence, and paste the licence key. The server contacts the "
     "licence service to activate it and shows the number of seats."),
    ("lic-offline", "Licences", "Offline licence activation",
     "Activate a licence without internet access.",
     "Create an activation request file in the admin console, upload it at "
     "licensing.tidewater.example from another computer and import the activation file."),
    ("lic-expired", "Licences", "Licence expired: what happens and how to renew",
     "Sync continues read-only for 14 days after expiry.",
     "When the licence expires, users can still download but not upload for 14 days. Renew the "
     "subscription and click Refresh licence in the admin console."),
    ("lic-seats", "Licences", "Add seats to a licence",
     "Buy more user seats and apply them.",
     "Order additional seats from your reseller. The new seats appear after Refresh licence; no "
     "new key is needed. Deactivated users free their seat."),
    ("lic-transfer", "Licences", "Move a licence to a new server",
     "Deactivate on the old server, activate on the new one.",
     "Deactivate the licence in the old server's admin console, then activate the same key on "
     "the new server. If the old server is gone, ask support to release the activation."),
    ("lic-types", "Licences", "Licence types: subscription, perpetual and trial",
     "Differences between the licence editions.",
     "A trial runs 30 days with 10 seats. Subscriptions include updates while active. "
     "Perpetual licences include updates for the first year of maintenance."),
    ("lic-invalid", "Licences", "Error: licence key is invalid",
     "The licence key is rejected when you paste it.",
     "Copy the key without spaces or line breaks. Keys for version 3 do not work on version "
     "4.0; request an upgraded key in the customer portal."),
    ("lic-usage", "Licences", "See how many licence seats are in use",
     "The seat usage report.",
     "The admin console shows used and free seats under Licence, Usage. Export the list of "
     "licensed users as CSV for your procurement team."),
    # --- backups --------------------------------------------------------------------------
    ("bak-schedule", "Backups", "Schedule automatic server backups",
     "Nightly backups of the database and file store.",
     "Under Backups, Schedule choose the time, the target and the retention. The backup "
     "includes the metadata database and, optionally, the file store."),
    ("bak-restore-file", "Backups", "Restore a single file from a backup",
     "Bring back one file or folder as it was on a date.",
     "Open the file's history in the web interface or pick a backup under Backups, Browse, "
     "find the file and click Restore. The file returns next to the current version."),
    ("bak-restore-full", "Backups", "Full server restore after a disaster",
     "Rebuild the server from a backup.",
     "Install the same version on a new server, stop the service, run tidewater-restore with "
     "the backup archive and the encryption key, then start the service."),
    ("bak-s3", "Backups", "Back up to Amazon S3 or S3-compatible storage",
     "Configure an S3 bucket as the backup target.",
     "Create a bucket and an access key with write permission, then enter the endpoint, bucket "
     "name and keys under Backups, Targets. MinIO and Wasabi work too."),
    ("bak-encrypt", "Backups", "Backup encryption keys",
     "Backups are encrypted; keep the key safe.",
     "Every backup is encrypted with the backup key shown once when you create it. Without the "
     "key a backup cannot be restored. Store it in a password manager."),
    ("bak-verify", "Backups", "Verify that backups can be restored",
     "Test restores and checksum verification.",
     "Run a verification job weekly: it checks the checksums of every archive and restores a "
     "sample into a temporary folder. Failed verifications send an e-mail."),
    ("bak-retention", "Backups", "Backup retention and deleting old backups",
     "How long backups are kept.",
     "The retention policy keeps daily backups for 14 days, weekly ones for 8 weeks and "
     "monthly ones for a year. Old backups are pruned after each run."),
    ("bak-failed", "Backups", "Backup failed: 'target not reachable'",
     "The backup job cannot write to the target.",
     "Check the credentials and the network path to the target. For S3, check the clock and "
     "the bucket policy; for a network share, the share permissions."),
    ("bak-versioning", "Backups", "File versions and version history",
     "Earlier versions of a file kept by the server.",
     "The server keeps 30 earlier versions of every file. Open the version history from the "
     "context menu of the file and restore an older version."),
    # --- SSO and identity -----------------------------------------------------------------
    ("sso-saml", "Single sign-on", "Set up single sign-on with SAML",
     "SAML 2.0 single sign-on with any identity provider.",
     "Upload your identity provider's metadata XML under Security, SSO and copy Tidewater's "
     "entity ID and ACS URL into the identity provider."),
    ("sso-okta", "Single sign-on", "Single sign-on with Okta",
     "Add Tidewater as an Okta application.",
     "Create a SAML app in Okta with the ACS URL from Tidewater, assign the users and paste "
     "the Okta metadata URL into Tidewater's SSO settings."),
    ("sso-entra", "Single sign-on", "Single sign-on with Microsoft Entra ID (Azure AD)",
     "Enterprise application setup in Entra ID.",
     "Add an enterprise application in Microsoft Entra ID, choose SAML and enter Tidewater's "
     "entity ID. Map the user principal name to the NameID claim."),
    ("sso-google", "Single sign-on", "Single sign-on with Google Workspace",
     "Use Google accounts to sign in.",
     "In the Google admin console add a custom SAML app, download the IdP metadata and upload "
     "it to Tidewater. Users then sign in with their Google account."),
    ("sso-scim", "Single sign-on", "Provision users automatically with SCIM",
     "Create and disable users from the identity provider.",
     "Enable SCIM under Security, Provisioning and copy the SCIM token into Okta or Entra ID. "
     "Users removed in the identity provider lose access within minutes."),
    ("sso-ldap", "Single sign-on", "Connect to Active Directory with LDAP",
     "Sign in with domain accounts over LDAP or LDAPS.",
     "Enter the domain controller, the bind account and the base DN under Security, LDAP. Use "
     "LDAPS on port 636; group filters decide who may sign in."),
    ("sso-error", "Single sign-on", "SSO error: 'SAML response signature invalid'",
     "Sign-in fails after the identity provider renewed its certificate.",
     "Identity providers rotate their signing certificate. Download the new metadata and "
     "upload it to Tidewater; the signature is then valid again."),
    ("sso-mfa", "Single sign-on", "Two-factor authentication for local accounts",
     "Require TOTP codes or security keys.",
     "Turn on two-factor authentication under Security, Policies. Users enrol an "
     "authenticator app or a FIDO2 security key at their next sign-in."),
    ("sso-break-glass", "Single sign-on", "Sign in when SSO is down (emergency admin)",
     "A local administrator account for emergencies.",
     "Keep one local administrator with a strong password and two-factor authentication. Open "
     "/admin/local-login to sign in when the identity provider is unavailable."),
    # --- networking and security ----------------------------------------------------------
    ("net-ports", "Networking", "Firewall ports the server needs",
     "Inbound and outbound ports.",
     "Open TCP 8443 inbound for clients and the web interface. Outbound, the server needs 443 "
     "for licence activation and update checks, and 25 or 587 for e-mail."),
    ("net-nginx", "Networking", "Run behind an nginx reverse proxy",
     "Proxy configuration for nginx.",
     "Forward requests to port 8443, raise client_max_body_size for large uploads and pass the "
     "X-Forwarded-For header. WebSocket upgrade headers are needed for live updates."),
    ("net-tls", "Networking", "Install or renew the TLS certificate",
     "Replace the server's HTTPS certificate.",
     "Upload the certificate and private key under Settings, TLS, or point the server at Let's "
     "Encrypt. Renewal happens 30 days before expiry when Let's Encrypt is used."),
    ("net-ha", "Networking", "High availability with two servers",
     "Active-passive failover with a shared database.",
     "Run two servers against the same PostgreSQL cluster and shared storage, with a load "
     "balancer health check on /health. Only one server runs scheduled jobs."),
    ("net-vpn", "Networking", "Use Tidewater over a VPN",
     "Split tunnelling and MTU problems.",
     "Large uploads over a VPN can stall when the MTU is too high. Lower the MTU to 1400 or "
     "use split tunnelling so that the Tidewater server is reached directly."),
    ("sec-audit", "Security", "The audit log",
     "Who did what: sign-ins, shares and admin changes.",
     "The audit log records sign-ins, shares, downloads and changes made in the admin console. "
     "Export it as CSV or send it to a SIEM with syslog."),
    ("sec-share-links", "Security", "Public share links and their expiry",
     "Control links shared with people outside the company.",
     "Administrators can require passwords and an expiry date on public links and can turn "
     "off public links for some groups. Expired links show 'link no longer valid'."),
    ("sec-ransomware", "Security", "Recover from ransomware with file versions",
     "Roll back encrypted files to before the attack.",
     "Disconnect the infected computer, then use Restore to date in the web interface to roll "
     "back every changed file to a time before the ransomware ran."),
    ("sec-encryption", "Security", "Encryption at rest and in transit",
     "How stored files are encrypted.",
     "Files are encrypted at rest with AES-256 using per-file keys; traffic uses TLS 1.3. "
     "Keys are kept in the server's key store or an external KMS."),
    # --- administration -------------------------------------------------------------------
    ("adm-users", "Administration", "Add, disable and delete users",
     "Manage user accounts in the admin console.",
     "Create users one by one or import a CSV file. Disabling a user frees the licence seat "
     "and keeps the files; deleting removes the files after 30 days."),
    ("adm-quota", "Administration", "Set storage quotas for users and groups",
     "Limit how much each user may store.",
     "Set a default quota under Settings, Storage and override it per group or user. Users see "
     "a warning at 90 percent and get error E1042 at 100 percent."),
    ("adm-groups", "Administration", "Groups and shared folders",
     "Give teams a shared folder.",
     "Create a group, add members and create a team folder that the group can read or write. "
     "Groups can come from LDAP or SCIM."),
    ("adm-email", "Administration", "Configure outgoing e-mail (SMTP)",
     "Notification e-mails for shares and alerts.",
     "Enter the SMTP server, port and credentials under Settings, E-mail and send a test "
     "message. Use port 587 with STARTTLS."),
    ("adm-logs", "Administration", "Collect server and client logs for support",
     "Create a diagnostics bundle.",
     "On the server run tidewater-diag to create a diagnostics zip. On a client choose Help, "
     "Send logs. Attach both to your support ticket."),
    ("adm-storage-move", "Administration", "Move the file store to a new disk",
     "Migrate stored files to bigger storage.",
     "Stop the service, copy the data folder with rsync, change storage.path in the "
     "configuration and start the service. Check the free space before and after."),
    ("adm-storage-full", "Administration", "Server disk is full",
     "What to do when the storage volume runs out of space.",
     "When the disk is full uploads fail and the database may stop. Empty the trash, lower the "
     "number of kept versions or add storage, then restart the service."),
    ("adm-api", "Administration", "Use the REST API with API tokens",
     "Automate administration with the API.",
     "Create an API token under Settings, API and send it as a bearer token. The API covers "
     "users, groups, shares and reports; the OpenAPI document is at /api/docs."),
    ("adm-reports", "Administration", "Storage and activity reports",
     "Who uses how much storage.",
     "The reports page shows storage by user and group, the busiest folders and sync activity "
     "per day. Reports can be mailed weekly."),
    ("adm-maintenance", "Administration", "Maintenance mode",
     "Stop clients from syncing during maintenance.",
     "Turn on maintenance mode to make clients pause sync and show a message. Use it during "
     "upgrades and storage moves; turn it off afterwards."),
    ("adm-branding", "Administration", "Custom branding: logo and colours",
     "Show your company's logo in the web interface.",
     "Upload a logo and choose the accent colour under Settings, Branding. The login page and "
     "e-mails use the same logo."),
    # --- mobile and web -------------------------------------------------------------------
    ("mob-ios", "Mobile apps", "The iPhone and iPad app",
     "Install and sign in on iOS.",
     "Install Tidewater from the App Store, enter the server address and sign in. The Files "
     "app integration shows your folders next to iCloud Drive."),
    ("mob-android", "Mobile apps", "The Android app",
     "Install and sign in on Android.",
     "Install Tidewater from Google Play, enter the server address and sign in. Turn on camera "
     "upload to back up photos automatically."),
    ("mob-offline", "Mobile apps", "Keep files available offline on a phone",
     "Mark files for offline use.",
     "Tap the three dots next to a file and choose Available offline. Offline files update "
     "when the phone is on Wi-Fi."),
    ("mob-camera", "Mobile apps", "Camera upload does not upload photos",
     "Photos are not backed up from the phone.",
     "Allow background activity and access to all photos for the app. On Android, battery "
     "optimisation can stop camera upload; exclude Tidewater from it."),
    ("web-browser", "Web interface", "Supported web browsers",
     "Browsers that the web interface supports.",
     "The web interface supports the current versions of Firefox, Chrome, Edge and Safari. "
     "Internet Explorer is not supported."),
    ("web-upload", "Web interface", "Upload folders in the web interface",
     "Drag and drop files and folders.",
     "Drag files or whole folders into the browser window. Uploads continue in the background "
     "while you browse; do not close the tab until they finish."),
    ("web-preview", "Web interface", "Preview and edit Office documents online",
     "Open Word, Excel and PowerPoint files in the browser.",
     "Connect an Office Online or Collabora server under Settings, Office to edit documents in "
     "the browser. Without it, documents open as a read-only preview."),
    # --- performance and troubleshooting --------------------------------------------------
    ("perf-cpu", "Performance", "Desktop client uses a lot of CPU",
     "High CPU usage by the client.",
     "Indexing many files or an antivirus scanning every change raises CPU usage. Exclude the "
     "Tidewater folder from real-time scanning and wait for the first index to finish."),
    ("perf-server", "Performance", "Tune server performance for many users",
     "Settings for large installations.",
     "Put the metadata database on SSD, raise the worker count to the number of CPU cores and "
     "enable the Redis cache. Monitor the request latency on the status page."),
    ("perf-db", "Performance", "Move the metadata database to PostgreSQL",
     "From the built-in database to PostgreSQL.",
     "For more than 200 users use PostgreSQL. Run tidewater-migrate-db with the PostgreSQL "
     "URL during a maintenance window; the tool copies all metadata."),
    ("perf-memory", "Performance", "Server runs out of memory",
     "Out-of-memory crashes of the server process.",
     "Large thumbnail jobs and many parallel uploads use memory. Lower the thumbnail workers "
     "and give the server at least 16 GB for 500 users."),
    ("ts-login", "Troubleshooting", "Cannot sign in: 'invalid username or password'",
     "Sign-in problems of users.",
     "Check that the account is enabled and not locked after failed attempts. Users of single "
     "sign-on must use the SSO button, not the local password form."),
    ("ts-reset-password", "Troubleshooting", "Reset a forgotten password",
     "Users reset their own password by e-mail.",
     "Click Forgot password on the sign-in page and follow the e-mail link. Administrators can "
     "send a reset link from the admin console. SSO users reset it at their identity provider."),
    ("ts-service", "Troubleshooting", "The server service does not start",
     "The Tidewater service stops right after starting.",
     "Read the server log in /var/log/tidewater. Common causes are a port already in use, a "
     "database that is not reachable and a wrong path in the configuration file."),
    ("ts-db-connect", "Troubleshooting", "Error: could not connect to the database",
     "The server cannot reach PostgreSQL.",
     "Check TW_DATABASE_URL, the PostgreSQL service and pg_hba.conf. After a PostgreSQL "
     "upgrade the server may need the new port or password."),
    ("ts-thumbnails", "Troubleshooting", "Thumbnails and previews are missing",
     "Images show a generic icon.",
     "The preview service needs ImageMagick and LibreOffice on the server. Rebuild thumbnails "
     "with tidewater-admin thumbnails rebuild."),
    ("ts-notifications", "Troubleshooting", "No e-mail notifications arrive",
     "Share and alert e-mails are not delivered.",
     "Send a test e-mail from Settings, E-mail. Check the spam folder and the SMTP log; many "
     "providers need SPF and DKIM records for the sender domain."),
    ("ts-dup-files", "Troubleshooting", "Duplicate files after reinstalling the client",
     "Files appear twice after a reinstall.",
     "Reinstalling and choosing the old folder makes the client upload local copies again. "
     "Choose an empty folder, or let the client merge and delete the duplicates."),
    ("ts-antivirus", "Troubleshooting", "Antivirus blocks the desktop client",
     "Security software quarantines the client.",
     "Add the Tidewater program folder and the sync folder to the antivirus exclusions. Some "
     "products block the file provider extension on macOS."),
    ("ts-time-zone", "Troubleshooting", "Wrong times shown in the web interface",
     "Times are off by hours.",
     "The web interface shows times in the user's time zone, set in Profile, Preferences. "
     "Server logs always use UTC."),
    ("ts-support", "Troubleshooting", "How to contact support",
     "Open a support request.",
     "Open a request in the customer portal with the server version, the client version and a "
     "diagnostics bundle. Urgent outages: call the hotline in your contract."),
    ("rel-notes-40", "Release notes", "What is new in Tidewater 4.0",
     "Highlights of the 4.0 release.",
     "Version 4.0 brings online-only files on Windows and macOS, SCIM provisioning, a new "
     "metadata store and faster sync of small files."),
    ("rel-eol", "Release notes", "End of life of version 3.x",
     "Support for 3.x ends; plan your upgrade.",
     "Version 3.x reaches end of life twelve months after 4.0. After that date there are no "
     "security fixes for 3.x. Plan the upgrade to 4.0 now."),
    ("rel-lifecycle", "Release notes", "Support lifecycle policy",
     "How long each version is supported.",
     "Each major version gets security fixes for 24 months and bug fixes for 12 months after "
     "the next major version is released."),
]
# fmt: on

# Query, expected article keys (any of them counts as the right answer).
QUERIES: list[tuple[str, list[str]]] = [
    ("install on windows server", ["inst-win"]),
    ("install docker compose", ["inst-docker"]),
    ("kubernetes helm", ["inst-k8s", "upg-k8s"]),
    ("air-gapped offline install", ["inst-airgap"]),
    ("system requirements memory", ["inst-req"]),
    ("mac client install", ["inst-client-mac"]),
    ("intune deployment", ["inst-mass"]),
    ("uninstall server", ["uninstall"]),
    ("upgrade to 4.0", ["upg-40"]),
    ("rollback upgrade", ["upg-rollback"]),
    ("upgrade docker", ["upg-docker"]),
    ("upgrade path from 2.x", ["upg-path"]),
    ("migration hangs", ["upg-migration-stuck"]),
    ("client automatic updates", ["upg-client-auto"]),
    ("conflicted copy", ["sync-conflict"]),
    ("sync stuck at 99%", ["sync-stuck"]),
    ("E1042", ["sync-e1042"]),
    ("quota exceeded", ["sync-e1042", "adm-quota"]),
    ("path too long", ["sync-path"]),
    ("permission denied shared folder", ["sync-perm"]),
    ("clock skew token", ["sync-clock"]),
    ("ssl certificate error", ["sync-ssl"]),
    ("proxy", ["sync-proxy"]),
    ("slow sync", ["sync-slow"]),
    ("files disappeared", ["sync-deleted"]),
    ("selective sync folders", ["sync-selective"]),
    ("outlook pst", ["sync-outlook"]),
    ("activate licence key", ["lic-activate"]),
    ("offline licence activation", ["lic-offline"]),
    ("licence expired renew", ["lic-expired"]),
    ("add seats", ["lic-seats"]),
    ("move licence to new server", ["lic-transfer"]),
    ("licence key invalid", ["lic-invalid"]),
    ("schedule backups", ["bak-schedule"]),
    ("restore single file", ["bak-restore-file"]),
    ("disaster full restore", ["bak-restore-full"]),
    ("backup to s3 bucket", ["bak-s3"]),
    ("backup encryption key", ["bak-encrypt"]),
    ("saml single sign-on", ["sso-saml"]),
    ("okta", ["sso-okta"]),
    ("azure ad", ["sso-entra"]),
    ("scim provisioning", ["sso-scim"]),
    ("ldap active directory", ["sso-ldap"]),
    ("saml signature invalid", ["sso-error"]),
    ("firewall ports", ["net-ports"]),
    ("nginx reverse proxy", ["net-nginx"]),
    ("renew tls certificate", ["net-tls"]),
    ("ransomware", ["sec-ransomware"]),
    ("audit log", ["sec-audit"]),
    ("camera upload photos", ["mob-camera"]),
    ("high cpu", ["perf-cpu"]),
    ("forgot password", ["ts-reset-password"]),
    ("service does not start", ["ts-service"]),
    ("end of life 3.x", ["rel-eol"]),
    # prefixes, as typed
    ("upgr 4.0", ["upg-40"]),
    ("ransom", ["sec-ransomware"]),
    ("provisio", ["sso-scim"]),
    ("thumbn", ["ts-thumbnails"]),
    ("antivir", ["ts-antivirus"]),
    # typos
    ("upgarde to 4.0", ["upg-40"]),
    ("licnese expired", ["lic-expired"]),
    ("license expired", ["lic-expired"]),
    ("certificat eror", ["sync-ssl", "net-tls"]),
    ("kuberntes", ["inst-k8s", "upg-k8s"]),
    ("conflcit copy", ["sync-conflict"]),
    ("ransomwere", ["sec-ransomware"]),
    ("backup encyrption", ["bak-encrypt"]),
]
