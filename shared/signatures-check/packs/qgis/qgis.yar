// QGIS-specific indicators of the validator's own (GPL-2.0-or-later, like the validator).
// Each rule names the class of attack it is built for, not one sample: a plugin that reads the
// QGIS authentication database, copies the user's profile away, or carries the strings of the
// credential-stealer campaigns seen in package registries.

rule qgis_auth_db_access
{
    meta:
        description = "Opens the QGIS authentication database (qgis-auth.db), where QGIS keeps the user's stored passwords and keys"
        action = "review"
        severity = "high"
        reference = "https://docs.qgis.org/latest/en/docs/user_manual/auth_system/auth_overview.html"
        path_include = "*.py,*.pyw,*.pth,*.sh,*.bat,*.ps1,*.js"
    strings:
        $db = "qgis-auth.db" nocase
        $open_sqlite = /sqlite3\s*\.\s*connect\s*\(/
        $copy = /shutil\s*\.\s*(copy|copy2|copyfile|move)\s*\(/
        $read = /open\s*\([^)]{0,200}qgis-auth\.db/ nocase
    condition:
        $db and ($open_sqlite or $copy or $read)
}

rule qgis_auth_master_password
{
    meta:
        description = "Sets or reads the QGIS authentication master password, which unlocks every stored credential"
        action = "review"
        severity = "high"
        path_include = "*.py,*.pyw,*.pth"
    strings:
        // setMasterPassword() and setMasterPassword(True) ask the user to unlock or verify
        // (what plugins with authenticated connections legitimately do: Mergin, trends.earth,
        // nextgis_connect, cesium_ion); a password written in the code, or a reset, is not.
        $set = /authManager\s*\(\s*\)\s*\.\s*setMasterPassword\s*\(\s*['"]/
        $reset = /authManager\s*\(\s*\)\s*\.\s*resetMasterPassword\s*\(/
    condition:
        $set or $reset
}

rule qgis_profile_exfiltration
{
    meta:
        description = "Packs the user's QGIS profile folder (settings, saved connections, authentication database) into an archive"
        action = "review"
        severity = "high"
        path_include = "*.py,*.pyw,*.pth"
    strings:
        $profile1 = "QgsApplication.qgisSettingsDirPath" 
        $profile2 = "qgisSettingsDirPath()"
        $profile3 = "QGIS3/profiles" nocase
        $profile4 = "QGIS/QGIS3" nocase
        $archive1 = /shutil\s*\.\s*make_archive\s*\(/
        $archive2 = /zipfile\s*\.\s*ZipFile\s*\([^)]{0,200}['"]w['"]/
        $archive3 = /tarfile\s*\.\s*open\s*\([^)]{0,200}['"]w/
    condition:
        any of ($profile*) and any of ($archive*)
}

rule qgis_startup_persistence
{
    meta:
        description = "Writes a QGIS startup script (startup.py) or the global Python init hook, so code runs each time QGIS starts, outside the plugin"
        action = "review"
        severity = "high"
        path_include = "*.py,*.pyw,*.pth"
    strings:
        $startup = /['"][^'"\n]{0,200}[\/\\]startup\.py['"]/
        $pyqgis_startup = "PYQGIS_STARTUP"
        $write = /open\s*\([^)]{0,300}['"](w|a|wb|ab|w\+|a\+)['"]/
        $setenv = /os\s*\.\s*environ\s*\[\s*['"]PYQGIS_STARTUP['"]\s*\]\s*=/
    condition:
        ($startup and $write) or $setenv or ($pyqgis_startup and $write)
}

rule credential_stealer_campaign_strings
{
    meta:
        description = "Carries the strings of credential-stealer families seen in package-registry campaigns (browser Login Data plus a chat-webhook drop)"
        action = "block"
        severity = "high"
        reference = "https://blog.phylum.io/tag/w4sp-stealer/"
    strings:
        $login = "Login Data" ascii wide
        $cookies = "Network\\Cookies" ascii wide
        $local_state = "Local State" ascii wide
        $discord = /https?:\/\/(ptb\.|canary\.)?discord(app)?\.com\/api\/webhooks\/[0-9]{5,}\/[A-Za-z0-9_-]{20,}/ ascii wide
        $telegram = /https?:\/\/api\.telegram\.org\/bot[0-9]{6,}:[A-Za-z0-9_-]{20,}\/send(Document|Message)/ ascii wide
    condition:
        ($login or $cookies) and $local_state and ($discord or $telegram)
}
