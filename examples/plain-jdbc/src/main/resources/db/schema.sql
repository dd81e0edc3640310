create table note (
  id bigserial primary key,
  body text not null check (body <> ''),
  created timestamptz not null default now()
);
