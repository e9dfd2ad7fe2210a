--
-- PostgreSQL database dump
--


-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: audit_event; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_event (
    id integer NOT NULL,
    at timestamp with time zone NOT NULL,
    actor_id bigint,
    request_id integer,
    kind character varying(32) NOT NULL,
    detail character varying NOT NULL
);


--
-- Name: audit_event_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.audit_event_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: audit_event_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.audit_event_id_seq OWNED BY public.audit_event.id;


--
-- Name: help_request; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.help_request (
    id integer NOT NULL,
    requester_id bigint NOT NULL,
    incident character varying(32) NOT NULL,
    lat double precision NOT NULL,
    lon double precision NOT NULL,
    area character varying NOT NULL,
    description character varying,
    status character varying(16) NOT NULL,
    wave integer NOT NULL,
    volunteer_id bigint,
    next_timer_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    assigned_at timestamp with time zone,
    arrived_at timestamp with time zone,
    done_at timestamp with time zone,
    closed_at timestamp with time zone
);


--
-- Name: help_request_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.help_request_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: help_request_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.help_request_id_seq OWNED BY public.help_request.id;


--
-- Name: hour_credit; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.hour_credit (
    id integer NOT NULL,
    volunteer_id bigint NOT NULL,
    request_id integer NOT NULL,
    minutes integer NOT NULL,
    status character varying(16) NOT NULL,
    decided_by bigint,
    created_at timestamp with time zone NOT NULL,
    decided_at timestamp with time zone
);


--
-- Name: hour_credit_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.hour_credit_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: hour_credit_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.hour_credit_id_seq OWNED BY public.hour_credit.id;


--
-- Name: offer; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.offer (
    id integer NOT NULL,
    request_id integer NOT NULL,
    volunteer_id bigint NOT NULL,
    wave integer NOT NULL,
    distance_m integer NOT NULL,
    status character varying(16) NOT NULL,
    chat_id bigint,
    message_id integer,
    sent_at timestamp with time zone NOT NULL,
    answered_at timestamp with time zone
);


--
-- Name: offer_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.offer_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: offer_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.offer_id_seq OWNED BY public.offer.id;


--
-- Name: person; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.person (
    id bigint NOT NULL,
    chat_id bigint NOT NULL,
    first_name character varying NOT NULL,
    username character varying,
    telegram_language character varying,
    language character varying,
    blocked boolean NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: volunteer; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.volunteer (
    person_id bigint NOT NULL,
    status character varying(16) NOT NULL,
    conduct_accepted_at timestamp with time zone,
    submitted_at timestamp with time zone,
    verified_at timestamp with time zone,
    verified_by bigint,
    skills integer NOT NULL,
    equipment integer NOT NULL,
    on_duty boolean NOT NULL,
    lat double precision,
    lon double precision,
    cell bigint,
    position_at timestamp with time zone,
    live_until timestamp with time zone,
    phone character varying,
    share_phone boolean NOT NULL,
    radius_km double precision,
    quiet_start_min integer,
    quiet_end_min integer,
    max_alerts_per_hour integer NOT NULL,
    busy_request_id integer,
    stale_notified_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: audit_event id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_event ALTER COLUMN id SET DEFAULT nextval('public.audit_event_id_seq'::regclass);


--
-- Name: help_request id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.help_request ALTER COLUMN id SET DEFAULT nextval('public.help_request_id_seq'::regclass);


--
-- Name: hour_credit id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.hour_credit ALTER COLUMN id SET DEFAULT nextval('public.hour_credit_id_seq'::regclass);


--
-- Name: offer id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.offer ALTER COLUMN id SET DEFAULT nextval('public.offer_id_seq'::regclass);


--
-- Data for Name: audit_event; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.audit_event VALUES (1, '2026-11-20 09:30:15.25+00', 5000000001, 1, 'created', 'incident=fire');
INSERT INTO public.audit_event VALUES (2, '2026-11-20 09:30:55.25+00', 42, 1, 'accepted', '');
INSERT INTO public.audit_event VALUES (3, '2026-11-20 09:35:15.25+00', 7700000002, NULL, 'verified', 'volunteer=42');


--
-- Data for Name: help_request; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.help_request VALUES (1, 5000000001, 'fire', 24.7, 46.68, 'الرياض', 'دخان في المطبخ', 'confirmed', 2, 42, NULL, '2026-11-20 09:30:15.25+00', '2026-11-20 09:30:55.25+00', '2026-11-20 09:39:15.25+00', '2026-11-20 10:20:15.25+00', '2026-11-20 10:30:15.25+00');
INSERT INTO public.help_request VALUES (2, 5000000001, 'lost_desert', 23.1, 47.2, '', NULL, 'dispatching', 1, NULL, '2026-11-20 09:31:35.25+00', '2026-11-20 11:30:15.25+00', NULL, NULL, NULL, NULL);


--
-- Data for Name: hour_credit; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.hour_credit VALUES (1, 42, 1, 50, 'confirmed', 5000000001, '2026-11-20 10:20:15.25+00', '2026-11-20 10:30:15.25+00');


--
-- Data for Name: offer; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.offer VALUES (1, 1, 42, 1, 1830, 'accepted', 42, 901, '2026-11-20 09:30:15.25+00', '2026-11-20 09:30:55.25+00');
INSERT INTO public.offer VALUES (2, 2, 7700000002, 1, 48210, 'sent', NULL, NULL, '2026-11-20 11:30:15.25+00', NULL);


--
-- Data for Name: person; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.person VALUES (5000000001, 5000000001, 'فاطمة', 'fatima', 'ar', 'ar', false, '2026-11-20 09:30:15.25+00');
INSERT INTO public.person VALUES (42, 42, 'Omar', NULL, 'en', NULL, true, '2026-11-20 09:31:15.25+00');
INSERT INTO public.person VALUES (7700000002, -1001234567890, '', NULL, NULL, NULL, false, '2026-11-20 09:30:15.25+00');


--
-- Data for Name: volunteer; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.volunteer VALUES (42, 'verified', '2026-11-20 09:30:15.25+00', '2026-11-20 09:32:15.25+00', '2026-11-20 09:35:15.25+00', 7700000002, 11, 5, true, 24.7136, 46.6753, 123456789012, '2026-11-20 09:30:15.25+00', '2026-11-20 17:30:15.25+00', '+966500000000', true, 12.5, 1380, 360, 4, 1, NULL, '2026-11-20 09:30:15.25+00');
INSERT INTO public.volunteer VALUES (7700000002, 'pending', NULL, NULL, NULL, NULL, 0, 0, false, NULL, NULL, NULL, NULL, NULL, NULL, false, NULL, NULL, NULL, 6, NULL, '2026-11-21 09:30:15.25+00', '2026-11-20 09:30:15.25+00');


--
-- Name: audit_event_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.audit_event_id_seq', 3, true);


--
-- Name: help_request_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.help_request_id_seq', 2, true);


--
-- Name: hour_credit_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.hour_credit_id_seq', 1, true);


--
-- Name: offer_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.offer_id_seq', 2, true);


--
-- Name: audit_event audit_event_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_event
    ADD CONSTRAINT audit_event_pkey PRIMARY KEY (id);


--
-- Name: help_request help_request_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.help_request
    ADD CONSTRAINT help_request_pkey PRIMARY KEY (id);


--
-- Name: hour_credit hour_credit_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.hour_credit
    ADD CONSTRAINT hour_credit_pkey PRIMARY KEY (id);


--
-- Name: hour_credit hour_credit_request_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.hour_credit
    ADD CONSTRAINT hour_credit_request_id_key UNIQUE (request_id);


--
-- Name: offer offer_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.offer
    ADD CONSTRAINT offer_pkey PRIMARY KEY (id);


--
-- Name: person person_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.person
    ADD CONSTRAINT person_pkey PRIMARY KEY (id);


--
-- Name: offer uq_offer_request_volunteer; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.offer
    ADD CONSTRAINT uq_offer_request_volunteer UNIQUE (request_id, volunteer_id);


--
-- Name: volunteer volunteer_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.volunteer
    ADD CONSTRAINT volunteer_pkey PRIMARY KEY (person_id);


--
-- Name: ix_audit_event_request_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_audit_event_request_id ON public.audit_event USING btree (request_id);


--
-- Name: ix_help_request_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_help_request_status ON public.help_request USING btree (status);


--
-- Name: ix_help_request_timer; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_help_request_timer ON public.help_request USING btree (status, next_timer_at);


--
-- Name: ix_hour_credit_volunteer_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_hour_credit_volunteer_id ON public.hour_credit USING btree (volunteer_id);


--
-- Name: ix_offer_request_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_offer_request_id ON public.offer USING btree (request_id);


--
-- Name: ix_offer_volunteer_sent; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_offer_volunteer_sent ON public.offer USING btree (volunteer_id, sent_at);


--
-- Name: ix_volunteer_dispatchable; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_volunteer_dispatchable ON public.volunteer USING btree (cell) INCLUDE (lat, lon, skills, equipment, busy_request_id, position_at, quiet_start_min, quiet_end_min, max_alerts_per_hour, radius_km, person_id, on_duty, status) WHERE (on_duty AND ((status)::text = 'verified'::text));


--
-- Name: help_request help_request_requester_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.help_request
    ADD CONSTRAINT help_request_requester_id_fkey FOREIGN KEY (requester_id) REFERENCES public.person(id);


--
-- Name: hour_credit hour_credit_request_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.hour_credit
    ADD CONSTRAINT hour_credit_request_id_fkey FOREIGN KEY (request_id) REFERENCES public.help_request(id);


--
-- Name: offer offer_request_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.offer
    ADD CONSTRAINT offer_request_id_fkey FOREIGN KEY (request_id) REFERENCES public.help_request(id);


--
-- Name: volunteer volunteer_person_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.volunteer
    ADD CONSTRAINT volunteer_person_id_fkey FOREIGN KEY (person_id) REFERENCES public.person(id);


--
-- PostgreSQL database dump complete
--


