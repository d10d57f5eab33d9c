// The Samba DC start-up lives in scripts/lib, where `npm start`'s demo directory uses it too; tests keep this path.
export * from '../../scripts/lib/samba-dc';
